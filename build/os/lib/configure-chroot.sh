#!/bin/sh
# Runs inside the build chroot (as /tmp/configure.sh) after Dlite's files were
# copied in. Everything here is build-time only.
set -eu

# Docker drives iptables-legacy: fewer kernel modules than the nft shim, and
# the rules Docker writes were made for it. xtables-legacy-multi is our static
# build (lib/xtables.sh says why); every name links to it. Plain links instead
# of update-alternatives, which needs the dpkg database a foreign-architecture
# tree (lib/foreign.sh) does not have.
[ -x /usr/sbin/xtables-legacy-multi ] || { echo "configure: no /usr/sbin/xtables-legacy-multi" >&2; exit 1; }
for v in iptables ip6tables; do
  for t in "" -save -restore; do
    ln -sf xtables-legacy-multi "/usr/sbin/$v-legacy$t"
    ln -sf xtables-legacy-multi "/usr/sbin/$v$t"
  done
done

# The docker user: uid 1000, group docker, key-only SSH, passwordless sudo.
# '*' means no password can ever match; root gets the same and may not log in.
getent group docker >/dev/null || groupadd --system docker
useradd --uid 1000 --gid docker --home-dir /home/docker --no-create-home --shell /bin/bash docker
usermod -p '*' docker
usermod -p '*' root
# (sudo's postinst makes /etc/sudoers 0440; a foreign tree never ran it)
chmod 0440 /etc/sudoers /etc/sudoers.d/docker
visudo -c -q

mkdir -p /var/lib/dlite /home/docker /etc/ssh/authorized_keys /run/sshd
chmod 0755 /etc/ssh/authorized_keys
chmod 0755 /usr/lib/dlite/* && chmod 0644 /usr/lib/dlite/lib.sh && chmod 0755 /etc/acpi/PWRF/00000080
: >/etc/fstab
printf 'dlite\n' >/etc/hostname
