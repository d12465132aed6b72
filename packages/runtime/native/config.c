#include "byhand.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENV 256

static const char usage[] =
    "usage: byhand-init [run options] -- COMMAND [ARG]...\n"
    "       byhand-init exec --target PID [exec options] -- COMMAND [ARG]...\n"
    "run options:\n"
    "  --rootfs DIR | --layer DIR...   image: one directory, or overlay lower layers, top first\n"
    "  --upper-size SIZE               writable layer on a tmpfs of this size, or\n"
    "  --upper DIR --work DIR          a writable layer on disk; both in one directory\n"
    "  --uid-base N --uid-count N      user namespace: root inside is N outside\n"
    "  --no-userns                     no new user namespace (root is the caller's root)\n"
    "  --namespaces LIST               of user,mnt,pid,uts,ipc,net,cgroup,time (default: all but time)\n"
    "  --join KIND:PATH                setns() into an existing namespace instead of a new one\n"
    "  --hostname NAME                 --readonly-rootfs  --mask-paths  --no-init  --detach\n"
    "  --volume SRC:DST[:ro]           bind mount a host path\n"
    "  --pid-file FILE                 the host pid of the container's pid 1 is written there\n"
    "  --cgroup-procs FILE             the container starts in this cgroup (repeatable)\n"
    "  --wait-fifo FIFO                block before exec until FIFO is opened for reading\n"
    "                                  (it must be writable by the container's root)\n"
    "run and exec options:\n"
    "  --env KEY=VALUE  --user UID[:GID]  --workdir DIR  --no-new-privs  --trace-fd N\n"
    "  --trace-path FILE               the trace into a file or FIFO instead of an fd\n"
    "  --step-fd N                     run: announce each step on the trace, wait for a byte on N\n"
    "  --cap LIST                      capabilities kept: all, or names (CAP_CHOWN or chown)\n"
    "  --seccomp default|unconfined    the default deny-list is applied unless unconfined\n"
    "  --oom-score-adj N               -1000..1000: how soon the kernel's OOM killer picks them\n"
    "exit codes: 125 the helper failed, 126 not executable, 127 not found, else the command's";

static unsigned long parse_ulong(const char *opt, const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0') die("%s needs a number, got '%s'", opt, s);
  return v;
}

static unsigned parse_namespaces(const char *list) {
  unsigned set = 0;
  char buf[256];
  if (strlen(list) >= sizeof buf) die("--namespaces list too long");
  strcpy(buf, list);
  for (char *save, *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    int kind = ns_kind_from_name(name);
    if (kind < 0) die("--namespaces: unknown namespace '%s' (user,mnt,pid,uts,ipc,net,cgroup,time)", name);
    set |= 1u << kind;
  }
  return set;
}

static void parse_join(struct config *cfg, char *val) {
  char *colon = strchr(val, ':');
  if (!colon) die("--join needs KIND:PATH, e.g. net:/proc/123/ns/net; got '%s'", val);
  *colon = '\0';
  int kind = ns_kind_from_name(val);
  if (kind < 0) die("--join: unknown namespace '%s'", val);
  cfg->join[kind] = colon + 1;
}

static uint64_t parse_caps(const char *list) {
  if (strcmp(list, "all") == 0) return all_capabilities();
  uint64_t set = 0;
  char buf[1024];
  if (strlen(list) >= sizeof buf) die("--cap list too long");
  strcpy(buf, list);
  for (char *save, *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    int cap = cap_from_name(name);
    if (cap < 0) die("--cap: unknown capability '%s' (see capabilities(7))", name);
    set |= 1ull << cap;
  }
  return set;
}

static void parse_volume(struct config *cfg, char *val) {
  if (cfg->nvolumes == MAX_VOLUMES) die("more than %d --volume options", MAX_VOLUMES);
  struct volume *v = &cfg->volumes[cfg->nvolumes++];
  char *dst = strchr(val, ':');
  if (!dst || val[0] != '/') die("--volume needs /HOST/PATH:/CONTAINER/PATH[:ro], got '%s'", val);
  *dst++ = '\0';
  char *mode = strchr(dst, ':');
  if (mode) {
    *mode++ = '\0';
    if (strcmp(mode, "ro") == 0) v->readonly = 1;
    else if (strcmp(mode, "rw") != 0) die("--volume mode must be ro or rw, got '%s'", mode);
  }
  check_volume_target(dst);
  v->src = val;
  v->dst = dst;
}

static void parse_user(struct config *cfg, const char *val) {
  char *end;
  errno = 0;
  unsigned long uid = strtoul(val, &end, 10), gid = 0;
  if (errno || end == val || (*end && *end != ':')) die("--user needs numeric UID[:GID], got '%s'", val);
  if (*end == ':') gid = parse_ulong("--user GID", end + 1);
  cfg->has_user = 1;
  cfg->uid = (uid_t)uid;
  cfg->gid = (gid_t)gid;
}

/* Options without a value; returns 1 when opt was one. */
static int parse_flag(struct config *cfg, const char *opt, int *no_userns) {
  if (strcmp(opt, "--no-userns") == 0) *no_userns = 1;
  else if (strcmp(opt, "--readonly-rootfs") == 0) cfg->readonly_rootfs = 1;
  else if (strcmp(opt, "--mask-paths") == 0) cfg->mask_paths = 1;
  else if (strcmp(opt, "--no-new-privs") == 0) cfg->no_new_privs = 1;
  else if (strcmp(opt, "--no-init") == 0) cfg->no_init = 1;
  else if (strcmp(opt, "--detach") == 0) cfg->detach = 1;
  else return 0;
  return 1;
}

static void parse_option(struct config *cfg, const char *opt, char *val, char **env, int *nenv) {
  if (strcmp(opt, "--hostname") == 0) cfg->hostname = val;
  else if (strcmp(opt, "--rootfs") == 0 || strcmp(opt, "--layer") == 0) {
    if (cfg->nlayers == MAX_LAYERS) die("more than %d layers", MAX_LAYERS);
    cfg->layers[cfg->nlayers++] = val;
  } else if (strcmp(opt, "--uid-base") == 0) cfg->uid_base = parse_ulong(opt, val);
  else if (strcmp(opt, "--uid-count") == 0) cfg->uid_count = parse_ulong(opt, val);
  else if (strcmp(opt, "--upper-size") == 0) cfg->upper_size = val;
  else if (strcmp(opt, "--upper") == 0) cfg->upper = val;
  else if (strcmp(opt, "--work") == 0) cfg->work = val;
  else if (strcmp(opt, "--namespaces") == 0) cfg->new_ns = parse_namespaces(val);
  else if (strcmp(opt, "--join") == 0) parse_join(cfg, val);
  else if (strcmp(opt, "--volume") == 0) parse_volume(cfg, val);
  else if (strcmp(opt, "--cap") == 0) cfg->caps = parse_caps(val);
  else if (strcmp(opt, "--seccomp") == 0) {
    if (strcmp(val, "default") == 0) cfg->seccomp = 1;
    else if (strcmp(val, "unconfined") == 0) cfg->seccomp = 0;
    else die("--seccomp must be default or unconfined, got '%s'", val);
  } else if (strcmp(opt, "--oom-score-adj") == 0) {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end || v < -1000 || v > 1000) die("--oom-score-adj must be a number from -1000 to 1000, got '%s'", val);
    cfg->has_oom_score_adj = 1;
    cfg->oom_score_adj = (int)v;
  } else if (strcmp(opt, "--user") == 0) parse_user(cfg, val);
  else if (strcmp(opt, "--workdir") == 0) cfg->workdir = val;
  else if (strcmp(opt, "--pid-file") == 0) cfg->pid_file = val;
  else if (strcmp(opt, "--wait-fifo") == 0) cfg->wait_fifo = val;
  else if (strcmp(opt, "--target") == 0) cfg->target = (pid_t)parse_ulong(opt, val);
  else if (strcmp(opt, "--trace-fd") == 0) trace_open((int)parse_ulong(opt, val));
  else if (strcmp(opt, "--trace-path") == 0) trace_open_path(val);
  else if (strcmp(opt, "--step-fd") == 0) step_open((int)parse_ulong(opt, val));
  else if (strcmp(opt, "--cgroup-procs") == 0) {
    if (cfg->ncgroups == MAX_CGROUPS) die("more than %d --cgroup-procs options", MAX_CGROUPS);
    cfg->cgroup_procs[cfg->ncgroups++] = val;
  } else if (strcmp(opt, "--env") == 0) {
    if (*nenv == MAX_ENV) die("more than %d --env options", MAX_ENV);
    if (!strchr(val, '=')) die("--env needs KEY=VALUE, got '%s'", val);
    env[(*nenv)++] = val;
  } else die("unknown option '%s'\n%s", opt, usage);
}

static void check_exec(const struct config *cfg) {
  if (cfg->target <= 0) die("exec needs --target PID\n%s", usage);
  int joins = 0;
  for (int k = 0; k < NS_COUNT; k++) joins |= cfg->join[k] != NULL;
  if (cfg->nlayers || cfg->upper || cfg->upper_size || cfg->nvolumes || cfg->wait_fifo ||
      cfg->hostname || cfg->pid_file || cfg->uid_count || cfg->uid_base || joins ||
      cfg->readonly_rootfs || cfg->mask_paths || cfg->no_init)
    die("exec takes only --target, --user, --env, --workdir, --cap, --seccomp, --no-new-privs, "
        "--oom-score-adj, --cgroup-procs, --detach, --trace-fd and --trace-path\n%s", usage);
}

static void check_run(struct config *cfg, int no_userns) {
  if (cfg->nlayers == 0) die("missing option: --rootfs DIR or --layer DIR\n%s", usage);
  if (!cfg->upper_size == !cfg->upper || !cfg->upper != !cfg->work)
    die("missing option: --upper-size SIZE, or --upper DIR with --work DIR\n%s", usage);
  if (no_userns) cfg->new_ns &= ~(1u << NS_USER);
  for (int k = 0; k < NS_COUNT; k++)
    if (cfg->join[k]) cfg->new_ns &= ~(1u << k);
  if (cfg->join[NS_MNT]) die("--join mnt: a container needs its own mount namespace (use exec)");
  if (!HAS_NS(cfg, NS_MNT)) die("--namespaces must include mnt: the rootfs is mounted in it");
  if (cfg->hostname && !HAS_NS(cfg, NS_UTS)) die("--hostname needs a new uts namespace");
  if (HAS_NS(cfg, NS_USER)) {
    if (cfg->uid_count == 0) die("missing option: --uid-base N --uid-count N (or --no-userns)\n%s", usage);
    if (cfg->uid_base == 0) die("--uid-base must not be 0: root inside must not be root outside");
  } else if (cfg->uid_count || cfg->uid_base) {
    die("--uid-base/--uid-count need a new user namespace (drop --no-userns)");
  }
}

void parse_config(int argc, char **argv, struct config *cfg) {
  static char *env[MAX_ENV + 1];
  int nenv = 0, no_userns = 0;
  memset(cfg, 0, sizeof *cfg);
  cfg->new_ns = parse_namespaces("user,mnt,pid,uts,ipc,net,cgroup");
  cfg->caps = all_capabilities();
  cfg->seccomp = 1;
  int i = 1;
  if (argc > 1 && strcmp(argv[1], "exec") == 0) cfg->exec_mode = 1, i = 2;
  for (; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--") == 0) { i++; break; }
    if (parse_flag(cfg, opt, &no_userns)) continue;
    if (i + 1 >= argc) die("%s needs a value\n%s", opt, usage);
    parse_option(cfg, opt, argv[++i], env, &nenv);
  }
  env[nenv] = NULL;
  cfg->env = env;
  cfg->argv = &argv[i];
  if (cfg->exec_mode) check_exec(cfg);
  else check_run(cfg, no_userns);
  if (i >= argc || cfg->argv[0][0] == '\0') die("missing the command to run after --\n%s", usage);
}
