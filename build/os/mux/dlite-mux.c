/*
 * dlite-mux: the guest end of the Docker socket transport (see PROTOCOL.md).
 *
 * Multiplexes connections to the engine's unix socket over one byte stream:
 * the virtio-serial port named io.dlite.docker (QEMU), one connection to a
 * vsock port it listens on (vfkit), or (for tests) a unix socket.
 *
 *   dlite-mux [--port PATH | --vsock-port N | --listen PATH] [--target PATH]
 *
 * --vsock-port N listens on vsock port N (any CID); --listen PATH does the same
 * on a unix socket (the test suite's stand-in for the vsock device). In both,
 * one host connection is served at a time; a new one replaces it (the host
 * reconnected), and when it ends the agent waits for the next.
 *
 * One thread, poll(2) over the port and every connection, non-blocking I/O.
 * Each connection buffers at most what the host's credit allows (256 KiB);
 * the port has a write queue, and connections are not read while it is long.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define T_HELLO 1
#define T_OPEN 2
#define T_DATA 3
#define T_EOF 4
#define T_CLOSE 5
#define T_WINDOW 6
#define T_HELLO_ACK 7

#define HDR 12
#define MAX_PAYLOAD 65536
#define CREDIT 262144u
/* Grant once half the credit was written out: never stalls the sender, and costs no frame per small request. */
#define GRANT_BATCH (CREDIT / 2)
#define MAX_CONNS 1024
#define HASH_SIZE 4096 /* power of two */
#define CHUNK 65536
#define IN_CAP (4 * (HDR + MAX_PAYLOAD))
/* Connections are not read while the port's queue holds this much... */
#define PORT_HIGH (1u << 20)
/* ...and the port itself is not read past this (only small replies add to it then). */
#define PORT_STOP (4u << 20)
#define CONNECT_RETRY_MS 10
#define CONNECT_GIVE_UP_MS 5000
#define HOST_WAIT_MS 200

static const char MAGIC[] = "dlite-mux/1";
#define MAGIC_LEN 11
#define HELLO_LEN (HDR + MAGIC_LEN)

struct conn {
  uint32_t id;
  int fd;
  int next;          /* hash chain (slot index, -1 ends) */
  int active_pos;    /* index in active[] */
  uint8_t *out;      /* host -> target bytes not yet written, [out_off, out_off+out_len) */
  uint32_t out_off, out_len;
  uint64_t send_credit; /* bytes we may still send the host */
  uint32_t recv_credit; /* bytes the host may still send us */
  uint32_t unacked;     /* written to the target, not yet granted */
  unsigned rx_eof : 1;  /* host sent EOF */
  unsigned shut : 1;    /* we shut down the target's writing half */
  unsigned tx_eof : 1;  /* target reached EOF and we sent EOF */
  unsigned hup : 1;     /* poll reported HUP/ERR */
  unsigned pending : 1; /* connect() not done yet (target's backlog was full) */
  long long connect_deadline;
};

static struct conn conns[MAX_CONNS];
static int free_slots[MAX_CONNS], nfree;
static int active[MAX_CONNS], nactive;
static int buckets[HASH_SIZE];
static int npending;

static const char *target = "/var/run/docker.sock";
static const char *port_path;
static int port_fd = -1;
static int port_is_sock;
static int listen_fd = -1; /* --vsock-port / --listen: the host connects to us */

enum { S_SYNC, S_RUN, S_WAIT_HOST };
static int state;

static uint8_t in_buf[IN_CAP];
static uint32_t in_len;

static uint8_t *pq;                  /* port output queue */
static size_t pq_off, pq_len, pq_cap;

static uint8_t hello_frame[HELLO_LEN], ack_frame[HELLO_LEN];

static void logmsg(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  ssize_t w = write(2, line, (size_t)n);
  (void)w;
}

static void fatal(const char *what) {
  logmsg("dlite-mux: %s: %s", what, strerror(errno));
  exit(1);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_header(uint8_t *p, uint8_t type, uint32_t id, uint32_t len) {
  p[0] = type;
  p[1] = p[2] = p[3] = 0;
  put32(p + 4, id);
  put32(p + 8, len);
}

/* ---- port output queue ---------------------------------------------------- */

/* Makes room for n more bytes at the tail and returns a pointer to them. */
static uint8_t *pq_reserve(size_t n) {
  if (pq_off > 0 && pq_off + pq_len + n > pq_cap) {
    memmove(pq, pq + pq_off, pq_len);
    pq_off = 0;
  }
  if (pq_len + n > pq_cap) {
    size_t cap = pq_cap ? pq_cap : (size_t)4 * (HDR + MAX_PAYLOAD);
    while (cap < pq_len + n) cap *= 2;
    uint8_t *p = realloc(pq, cap);
    if (!p) fatal("out of memory");
    pq = p;
    pq_cap = cap;
  }
  return pq + pq_off + pq_len;
}

static void pq_frame(uint8_t type, uint32_t id, const void *payload, uint32_t len) {
  uint8_t *p = pq_reserve(HDR + (size_t)len);
  put_header(p, type, id, len);
  if (len) memcpy(p + HDR, payload, len);
  pq_len += HDR + len;
}

static void pq_window(uint32_t id, uint32_t n) {
  uint8_t v[4];
  put32(v, n);
  pq_frame(T_WINDOW, id, v, 4);
}

static void host_gone(void);

/* Writes as much of the queue as the port takes now. */
static void pq_flush(void) {
  while (pq_len > 0 && state != S_WAIT_HOST) {
    ssize_t n = write(port_fd, pq + pq_off, pq_len);
    if (n > 0) {
      pq_off += (size_t)n;
      pq_len -= (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      if (n < 0 && errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN)
        logmsg("dlite-mux: write to port: %s", strerror(errno));
      host_gone();
      return;
    }
  }
  if (pq_len == 0) pq_off = 0;
}

/* ---- connections ------------------------------------------------------------ */

static struct conn *find(uint32_t id) {
  for (int i = buckets[id & (HASH_SIZE - 1)]; i >= 0; i = conns[i].next)
    if (conns[i].id == id) return &conns[i];
  return NULL;
}

static void forget(struct conn *c) {
  int slot = (int)(c - conns);
  int *pp = &buckets[c->id & (HASH_SIZE - 1)];
  while (*pp != slot) pp = &conns[*pp].next;
  *pp = c->next;
  int last = active[--nactive];
  active[c->active_pos] = last;
  conns[last].active_pos = c->active_pos;
  if (c->pending) npending--;
  close(c->fd);
  free(c->out);
  memset(c, 0, sizeof *c);
  c->fd = -1;
  free_slots[nfree++] = slot;
}

/* Error or done: tell the host (unless it told us) and forget the id. */
static void drop(struct conn *c, int send_close) {
  if (send_close) pq_frame(T_CLOSE, c->id, NULL, 0);
  forget(c);
}

static void close_all(void) {
  while (nactive > 0) forget(&conns[active[nactive - 1]]);
}

static int try_connect(struct conn *c) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, target, strlen(target));
  while (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    if (errno == EINTR) continue;
    return -errno;
  }
  return 0;
}

static void log_connect_error(int err) {
  static int last_err;
  static long long last_at;
  long long t = now_ms();
  if (err != last_err || t - last_at > 5000) {
    logmsg("dlite-mux: connect %s: %s", target, strerror(err));
    last_err = err;
    last_at = t;
  }
}

/* Both directions finished and everything written: CLOSE. */
static int maybe_finish(struct conn *c) {
  if (c->tx_eof && c->rx_eof && c->out_len == 0 && !c->pending) {
    drop(c, 1);
    return 1;
  }
  return 0;
}

static void grant(struct conn *c) {
  if (c->unacked == 0 || c->rx_eof) return;
  if (c->unacked >= GRANT_BATCH) {
    pq_window(c->id, c->unacked);
    c->recv_credit += c->unacked;
    c->unacked = 0;
  }
}

static int read_target(struct conn *c);

/*
 * Sends what the target takes of p now (non-blocking). Returns the bytes sent,
 * or -1 when the target is gone: then what it had already answered is passed
 * on and c is dropped (CLOSE).
 */
static ssize_t send_target(struct conn *c, const uint8_t *p, uint32_t len) {
  uint32_t sent = 0;
  while (sent < len) {
    ssize_t n = send(c->fd, p + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += (uint32_t)n;
      c->unacked += (uint32_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      if (!c->tx_eof) read_target(c);
      drop(c, 1);
      return -1;
    }
  }
  return (ssize_t)sent;
}

/*
 * Writes buffered host bytes to the target. Returns -1 when the connection was
 * dropped.
 */
static int write_target(struct conn *c) {
  if (c->out_len > 0) {
    ssize_t n = send_target(c, c->out + c->out_off, c->out_len);
    if (n < 0) return -1;
    c->out_off += (uint32_t)n;
    c->out_len -= (uint32_t)n;
  }
  if (c->out_len == 0) {
    c->out_off = 0;
    free(c->out);
    c->out = NULL;
    if (c->rx_eof && !c->shut) {
      shutdown(c->fd, SHUT_WR);
      c->shut = 1;
    }
  }
  grant(c);
  return maybe_finish(c) ? -1 : 0;
}

/*
 * Host bytes for c: written straight through when nothing is queued, the rest
 * kept (the credit bounds it to 256 KiB).
 */
static void deliver(struct conn *c, const uint8_t *p, uint32_t len) {
  if (c->out_len == 0 && !c->pending) {
    ssize_t n = send_target(c, p, len);
    if (n < 0) return;
    p += n;
    len -= (uint32_t)n;
    if (len == 0) {
      grant(c);
      return;
    }
  }
  if (!c->out) {
    c->out = malloc(CREDIT);
    if (!c->out) fatal("out of memory");
    c->out_off = 0;
  }
  if (c->out_off + c->out_len + len > CREDIT) {
    memmove(c->out, c->out + c->out_off, c->out_len);
    c->out_off = 0;
  }
  memcpy(c->out + c->out_off + c->out_len, p, len);
  c->out_len += len;
  grant(c);
}

/* Reads one chunk from the target into a DATA frame (or sends EOF). -1: error. */
static int read_target(struct conn *c) {
  if (c->tx_eof || c->send_credit == 0) return 0;
  size_t want = c->send_credit < CHUNK ? (size_t)c->send_credit : CHUNK;
  uint8_t *p = pq_reserve(HDR + want);
  ssize_t n;
  do n = recv(c->fd, p + HDR, want, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    put_header(p, T_DATA, c->id, (uint32_t)n);
    pq_len += HDR + (size_t)n;
    c->send_credit -= (uint64_t)n;
  } else if (n == 0) {
    pq_frame(T_EOF, c->id, NULL, 0);
    c->tx_eof = 1;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
    return -1;
  }
  return 0;
}

static void open_conn(uint32_t id) {
  struct conn *old = find(id);
  if (old) { /* a host bug: the id is in use */
    logmsg("dlite-mux: OPEN for open id %u", id);
    drop(old, 1);
    return;
  }
  if (nfree == 0) {
    logmsg("dlite-mux: OPEN %u refused: %d connections open", id, MAX_CONNS);
    pq_frame(T_CLOSE, id, NULL, 0);
    return;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    logmsg("dlite-mux: socket: %s", strerror(errno));
    pq_frame(T_CLOSE, id, NULL, 0);
    return;
  }
  int slot = free_slots[--nfree];
  struct conn *c = &conns[slot];
  memset(c, 0, sizeof *c);
  c->id = id;
  c->fd = fd;
  c->send_credit = CREDIT;
  c->recv_credit = CREDIT;
  c->next = buckets[id & (HASH_SIZE - 1)];
  buckets[id & (HASH_SIZE - 1)] = slot;
  c->active_pos = nactive;
  active[nactive++] = slot;
  int err = try_connect(c);
  if (err == -EAGAIN) { /* the target's backlog is full: retry for a while */
    c->pending = 1;
    c->connect_deadline = now_ms() + CONNECT_GIVE_UP_MS;
    npending++;
  } else if (err < 0) {
    log_connect_error(-err);
    drop(c, 1);
  }
}

static void retry_pending(void) {
  long long t = now_ms();
  for (int i = nactive - 1; i >= 0 && npending > 0; i--) {
    struct conn *c = &conns[active[i]];
    if (!c->pending) continue;
    int err = try_connect(c);
    if (err == 0) {
      c->pending = 0;
      npending--;
      write_target(c);
    } else if (err != -EAGAIN || t >= c->connect_deadline) {
      log_connect_error(-err);
      drop(c, 1);
    }
  }
}

/* ---- frames from the host ------------------------------------------------- */

static void resync(void) {
  close_all();
  pq_frame(T_HELLO, 0, MAGIC, MAGIC_LEN);
  state = S_SYNC;
}

static void on_frame(uint8_t type, uint32_t id, const uint8_t *p, uint32_t len) {
  struct conn *c;
  switch (type) {
  case T_HELLO: /* the host restarted */
    close_all();
    pq_frame(T_HELLO_ACK, 0, MAGIC, MAGIC_LEN);
    break;
  case T_OPEN:
    if (id != 0) open_conn(id);
    break;
  case T_DATA:
    if (!(c = find(id)) || len == 0) break;
    if (c->rx_eof) {
      logmsg("dlite-mux: DATA after EOF on %u", id);
      drop(c, 1);
    } else if (len > c->recv_credit) {
      logmsg("dlite-mux: DATA beyond credit on %u (%u > %u)", id, len, c->recv_credit);
      drop(c, 1);
    } else {
      c->recv_credit -= len;
      deliver(c, p, len);
    }
    break;
  case T_EOF:
    if (!(c = find(id)) || c->rx_eof) break;
    c->rx_eof = 1;
    if (c->out_len == 0 && !c->pending) {
      shutdown(c->fd, SHUT_WR);
      c->shut = 1;
      maybe_finish(c);
    }
    break;
  case T_CLOSE:
    if ((c = find(id))) drop(c, 0);
    break;
  case T_WINDOW:
    if (len == 4 && (c = find(id))) c->send_credit += get32(p);
    break;
  default: /* HELLO_ACK in sync, unknown types: skipped */
    break;
  }
}

/* Looks for a whole HELLO or HELLO_ACK, byte by byte. Returns bytes consumed. */
static uint32_t scan(const uint8_t *b, uint32_t n) {
  uint32_t i = 0;
  while (i < n) {
    const uint8_t *q = memchr(b + i, T_HELLO, n - i);
    const uint8_t *r = memchr(b + i, T_HELLO_ACK, n - i);
    if (!q || (r && r < q)) q = r;
    if (!q) return n;
    i = (uint32_t)(q - b);
    const uint8_t *want = *q == T_HELLO ? hello_frame : ack_frame;
    uint32_t avail = n - i < HELLO_LEN ? n - i : HELLO_LEN;
    if (memcmp(b + i, want, avail) == 0) {
      if (avail < HELLO_LEN) return i; /* maybe the start of one: wait for more */
      if (*q == T_HELLO) {
        close_all();
        pq_frame(T_HELLO_ACK, 0, MAGIC, MAGIC_LEN);
      }
      state = S_RUN;
      return i + HELLO_LEN;
    }
    i++;
  }
  return n;
}

static void parse_input(void) {
  uint32_t pos = 0;
  while (pos < in_len && state != S_WAIT_HOST) {
    if (state == S_SYNC) {
      pos += scan(in_buf + pos, in_len - pos);
      if (state == S_SYNC) break;
      continue;
    }
    if (in_len - pos < HDR) break;
    const uint8_t *h = in_buf + pos;
    uint32_t len = get32(h + 8);
    if (len > MAX_PAYLOAD) {
      logmsg("dlite-mux: frame length %u: resynchronising", len);
      resync();
      continue;
    }
    if (in_len - pos < HDR + len) break;
    pos += HDR + len;
    on_frame(h[0], get32(h + 4), h + HDR, len);
  }
  if (state == S_WAIT_HOST) return;
  in_len -= pos;
  if (in_len && pos) memmove(in_buf, in_buf + pos, in_len);
}

/* ---- the port ---------------------------------------------------------------- */

static void start_session(void) {
  in_len = 0;
  pq_off = pq_len = 0;
  pq_frame(T_HELLO, 0, MAGIC, MAGIC_LEN);
  state = S_SYNC;
}

/* The host end disconnected: drop everything; the main loop waits for it. */
static void host_gone(void) {
  close_all();
  in_len = 0;
  pq_off = pq_len = 0;
  if (listen_fd >= 0) {
    close(port_fd);
    port_fd = -1;
  } else if (port_is_sock) {
    exit(0);
  }
  state = S_WAIT_HOST;
}

/*
 * Reads what the port has (a virtio port returns at most one 4 KiB buffer per
 * read, so this loops until EAGAIN or the buffer is full). Returns 0 on EOF.
 */
static int read_port(void) {
  while (in_len < IN_CAP) {
    size_t room = IN_CAP - in_len;
    ssize_t n = read(port_fd, in_buf + in_len, room < CHUNK ? room : CHUNK);
    if (n > 0) {
      in_len += (uint32_t)n;
    } else if (n == 0) {
      return 0;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      if (errno != ECONNRESET) logmsg("dlite-mux: read from port: %s", strerror(errno));
      return 0;
    }
  }
  return 1;
}

static int find_port(char *out, size_t outlen) {
  DIR *d = opendir("/sys/class/virtio-ports");
  if (!d) return -1;
  struct dirent *e;
  int found = -1;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[512], name[64];
    snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, name, sizeof name - 1);
    close(fd);
    if (n <= 0) continue;
    name[n] = 0;
    if (name[n - 1] == '\n') name[n - 1] = 0;
    if (strcmp(name, "io.dlite.docker") == 0) {
      snprintf(out, outlen, "/dev/%s", e->d_name);
      found = 0;
      break;
    }
  }
  closedir(d);
  return found;
}

static void open_port(void) {
  struct stat st;
  if (stat(port_path, &st) < 0) fatal(port_path);
  if (S_ISSOCK(st.st_mode)) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, port_path, strlen(port_path));
    port_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (port_fd < 0) fatal("socket");
    if (connect(port_fd, (struct sockaddr *)&sa, sizeof sa) < 0) fatal(port_path);
    if (fcntl(port_fd, F_SETFL, O_NONBLOCK) < 0) fatal("fcntl");
    port_is_sock = 1;
  } else {
    port_fd = open(port_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (port_fd < 0) fatal(port_path);
  }
}

/* Sleeps until the host end of the port is connected again (no POLLHUP). */
static void wait_host(void) {
  for (;;) {
    struct pollfd p = {.fd = port_fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    if (r == 0 || (r > 0 && !(p.revents & (POLLHUP | POLLERR)))) return;
    struct timespec ts = {0, HOST_WAIT_MS * 1000000L};
    nanosleep(&ts, NULL);
  }
}

/* Listens on vsock port `vport` (any CID), or on the unix socket `path`. */
static void open_listener(long vport, const char *path) {
  if (path) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    unlink(path);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) fatal("socket");
    if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0) fatal(path);
  } else {
    struct sockaddr_vm sv;
    memset(&sv, 0, sizeof sv);
    sv.svm_family = AF_VSOCK;
    sv.svm_cid = VMADDR_CID_ANY;
    sv.svm_port = (unsigned)vport;
    listen_fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) fatal("vsock socket");
    if (bind(listen_fd, (struct sockaddr *)&sv, sizeof sv) < 0) fatal("vsock bind");
  }
  if (listen(listen_fd, 4) < 0) fatal("listen");
  port_is_sock = 1;
}

/* Takes the next host connection from the listener; -1 when there is none (non-blocking). */
static int accept_host(int block) {
  if (block) {
    struct pollfd p = {.fd = listen_fd, .events = POLLIN};
    while (poll(&p, 1, -1) < 0)
      if (errno != EINTR) fatal("poll");
  }
  int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
    fatal("accept");
  return fd;
}

static void usage(void) {
  fprintf(stderr, "usage: dlite-mux [--port PATH | --vsock-port N | --listen PATH] [--target PATH]\n");
  exit(2);
}

int main(int argc, char **argv) {
  long vport = -1;
  const char *listen_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port_path = argv[++i];
    else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) target = argv[++i];
    else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) listen_path = argv[++i];
    else if (strcmp(argv[i], "--vsock-port") == 0 && i + 1 < argc) {
      char *end;
      vport = strtol(argv[++i], &end, 10);
      if (*end || vport < 1 || vport > 0x7fffffffL) usage();
    } else usage();
  }
  if ((port_path != NULL) + (listen_path != NULL) + (vport > 0) > 1) usage();
  if (listen_path && strlen(listen_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    logmsg("dlite-mux: listen path too long: %s", listen_path);
    return 2;
  }
  if (strlen(target) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    logmsg("dlite-mux: target path too long: %s", target);
    return 2;
  }
  static char found[300];
  if (listen_path || vport > 0) {
    /* the host connects to us */
  } else if (!port_path) {
    if (find_port(found, sizeof found) < 0) {
      logmsg("dlite-mux: no virtio-serial port named io.dlite.docker");
      return 1;
    }
    port_path = found;
  } else if (strlen(port_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    logmsg("dlite-mux: port path too long: %s", port_path);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < MAX_CONNS + 16 && rl.rlim_max > rl.rlim_cur) {
    rl.rlim_cur = rl.rlim_max < MAX_CONNS + 16 ? rl.rlim_max : MAX_CONNS + 16;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  put_header(hello_frame, T_HELLO, 0, MAGIC_LEN);
  memcpy(hello_frame + HDR, MAGIC, MAGIC_LEN);
  put_header(ack_frame, T_HELLO_ACK, 0, MAGIC_LEN);
  memcpy(ack_frame + HDR, MAGIC, MAGIC_LEN);
  for (int i = 0; i < HASH_SIZE; i++) buckets[i] = -1;
  for (int i = 0; i < MAX_CONNS; i++) {
    conns[i].fd = -1;
    free_slots[i] = MAX_CONNS - 1 - i;
  }
  nfree = MAX_CONNS;

  if (listen_path || vport > 0) {
    open_listener(vport, listen_path);
    state = S_WAIT_HOST;
  } else {
    open_port();
    start_session();
  }

  static struct pollfd pfd[MAX_CONNS + 2];
  static int pslot[MAX_CONNS + 2];
  for (;;) {
    if (state == S_WAIT_HOST) {
      if (listen_fd >= 0) {
        while ((port_fd = accept_host(1)) < 0) {}
      } else {
        wait_host();
      }
      start_session();
    }
    pq_flush();
    if (state == S_WAIT_HOST) continue;

    int n = 0;
    pfd[n].fd = port_fd;
    pfd[n].events = (short)((in_len < IN_CAP && pq_len < PORT_STOP ? POLLIN : 0) | (pq_len ? POLLOUT : 0));
    pslot[n++] = -1;
    int can_read = pq_len < PORT_HIGH;
    for (int i = 0; i < nactive; i++) {
      struct conn *c = &conns[active[i]];
      if (c->pending) continue;
      short ev = 0;
      if (can_read && !c->tx_eof && c->send_credit > 0) ev |= POLLIN;
      if (c->out_len) ev |= POLLOUT;
      if (!ev && c->hup) continue; /* would report POLLHUP forever */
      pfd[n].fd = c->fd;
      pfd[n].events = ev;
      pslot[n++] = active[i];
    }
    int li = -1; /* a new host connection replaces this session */
    if (listen_fd >= 0) {
      li = n;
      pfd[n].fd = listen_fd;
      pfd[n].events = POLLIN;
      pslot[n++] = -1;
    }

    int r = poll(pfd, (nfds_t)n, npending ? CONNECT_RETRY_MS : -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      fatal("poll");
    }

    for (int i = 1; i < n; i++) {
      short re = pfd[i].revents;
      if (!re || i == li) continue;
      struct conn *c = &conns[pslot[i]];
      if (re & (POLLHUP | POLLERR)) c->hup = 1;
      if ((re & (POLLOUT | POLLERR | POLLHUP)) && c->out_len && write_target(c) < 0) continue;
      if ((re & (POLLIN | POLLHUP | POLLERR)) && (pfd[i].events & POLLIN)) {
        if (read_target(c) < 0) {
          drop(c, 1);
          continue;
        }
        maybe_finish(c);
      }
    }
    if (npending) retry_pending();
    if (li >= 0 && (pfd[li].revents & POLLIN)) {
      int fd = accept_host(0);
      if (fd >= 0) {
        logmsg("dlite-mux: a new host connection replaces the current one");
        host_gone();
        port_fd = fd;
        start_session();
        continue;
      }
    }

    if (pfd[0].revents & POLLOUT) pq_flush();
    if (state == S_WAIT_HOST) continue;
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int open = read_port();
      parse_input();
      if (!open) host_gone();
    }
  }
}
