#include "byhand.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENV 128

static const char usage[] =
    "usage: byhand-init --hostname NAME --rootfs DIR --uid-base N --uid-count N "
    "--upper-size SIZE [--env KEY=VALUE]... -- COMMAND [ARG]...";

static unsigned long parse_ulong(const char *opt, const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0') die("%s needs a number, got '%s'", opt, s);
  return v;
}

void parse_config(int argc, char **argv, struct sandbox_config *cfg) {
  static char *env[MAX_ENV + 1];
  int nenv = 0;
  memset(cfg, 0, sizeof *cfg);
  int i = 1;
  for (; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--") == 0) { i++; break; }
    if (i + 1 >= argc) die("%s needs a value\n%s", opt, usage);
    const char *val = argv[++i];
    if (strcmp(opt, "--hostname") == 0) cfg->hostname = val;
    else if (strcmp(opt, "--rootfs") == 0) cfg->rootfs = val;
    else if (strcmp(opt, "--uid-base") == 0) cfg->uid_base = parse_ulong(opt, val);
    else if (strcmp(opt, "--uid-count") == 0) cfg->uid_count = parse_ulong(opt, val);
    else if (strcmp(opt, "--upper-size") == 0) cfg->upper_size = val;
    else if (strcmp(opt, "--env") == 0) {
      if (nenv == MAX_ENV) die("more than %d --env options", MAX_ENV);
      if (!strchr(val, '=')) die("--env needs KEY=VALUE, got '%s'", val);
      env[nenv++] = (char *)val;
    } else die("unknown option '%s'\n%s", opt, usage);
  }
  env[nenv] = NULL;
  cfg->env = env;
  cfg->argv = &argv[i];
  if (!cfg->hostname || !cfg->rootfs || !cfg->upper_size || cfg->uid_count == 0)
    die("missing option\n%s", usage);
  if (cfg->uid_base == 0) die("--uid-base must not be 0: root inside must not be root outside");
  if (i >= argc || cfg->argv[0][0] != '/') die("the command must be an absolute path\n%s", usage);
}
