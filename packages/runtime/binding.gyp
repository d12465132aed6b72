{
  "targets": [
    {
      "target_name": "byhand-init",
      "type": "executable",
      "sources": [
        "native/main.c",
        "native/config.c",
        "native/errors.c",
        "native/sync.c",
        "native/namespaces.c",
        "native/userns.c",
        "native/tty.c",
        "native/overlay.c",
        "native/rootfs.c",
        "native/uts.c",
        "native/net.c",
        "native/fds.c",
        "native/init.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2"]
    }
  ]
}
