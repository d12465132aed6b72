{
  "targets": [
    {
      "target_name": "byhand-init",
      "type": "executable",
      "sources": [
        "native/main.c",
        "native/config.c",
        "native/errors.c",
        "native/trace.c",
        "native/step.c",
        "native/sync.c",
        "native/namespaces.c",
        "native/userns.c",
        "native/cgroups.c",
        "native/tty.c",
        "native/mounts.c",
        "native/overlay.c",
        "native/volumes.c",
        "native/rootfs.c",
        "native/masked_paths.c",
        "native/uts.c",
        "native/net.c",
        "native/fds.c",
        "native/capabilities.c",
        "native/oom.c",
        "native/credentials.c",
        "native/no_new_privs.c",
        "native/seccomp.c",
        "native/fifo.c",
        "native/execve.c",
        "native/command.c",
        "native/init.c",
        "native/started.c",
        "native/run.c",
        "native/exec.c"
      ],
      "cflags": [
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-O2"
      ],
      "libraries": [
        "-Wl,-Bstatic",
        "-lseccomp",
        "-Wl,-Bdynamic"
      ]
    }
  ]
}
