# The kernel options the host relies on for giving memory and disk space back
# and for the shared folder. Sourced by build.sh; fails the build when Debian's
# kernel configuration lacks one, instead of a guest that silently keeps memory.
#   PAGE_REPORTING  virtio_balloon reports freed pages (QEMU free-page-reporting=on)
#   VIRTIO_BALLOON  the balloon driver (module)
#   VIRTIO_FS       virtiofs (QEMU + virtiofsd, vfkit)
#   NET_9P_VIRTIO   9p, QEMU's fallback share
#   HOTPLUG_PCI_ACPI the host unplugs the virtiofs device before saving the VM
KERNEL_FEATURES="PAGE_REPORTING=y VIRTIO_BALLOON=ym VIRTIO_FS=ym NET_9P_VIRTIO=ym HOTPLUG_PCI_ACPI=y"

# check_kernel_features CONFIG_FILE
check_kernel_features() {
  local config=$1 want name allowed value
  [ -r "$config" ] || die "kernel config not found: $config"
  for want in $KERNEL_FEATURES; do
    name=${want%%=*}
    allowed=${want#*=}
    value=$(sed -n "s/^CONFIG_$name=//p" "$config")
    case $value in
      [$allowed]) ;;
      *) die "kernel lacks CONFIG_$name (want $allowed, have ${value:-not set}) in $config" ;;
    esac
  done
  log "kernel features: $KERNEL_FEATURES"
}
