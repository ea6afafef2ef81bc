/*
 * dlite-xtables: runs iptables with a fixed address layout.
 *
 * /usr/sbin/iptables, ip6tables and their -save/-restore names link here.
 * dockerd runs iptables dozens of times while it sets up its networks, and
 * under emulation (QEMU's TCG translates the guest's code block by block) a
 * translated block is reused only when the code sits at the same virtual
 * address. With address-space randomisation every run of iptables translates
 * ld.so, its libraries and xtables again: about 40 ms a run, 16-22 ms with a
 * fixed layout (build/os/README.md). So this turns randomisation off for
 * iptables alone (personality ADDR_NO_RANDOMIZE, inherited across exec) and
 * execs xtables-legacy-multi with the same arguments; it picks its command
 * from the name in argv[0]. dockerd, the containers and every other program
 * keep their randomised layout. Built static and non-PIE, so that this
 * program's own code never moves either.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#define XTABLES "/usr/sbin/xtables-legacy-multi"

int main(int argc, char **argv) {
  (void)argc;
  int current = personality(0xffffffff);
  if (current != -1 && !(current & ADDR_NO_RANDOMIZE))
    personality((unsigned long)current | ADDR_NO_RANDOMIZE);
  execv(XTABLES, argv);
  static const char msg[] = "dlite-xtables: cannot run " XTABLES "\n";
  (void)!write(2, msg, strlen(msg));
  return 127;
}
