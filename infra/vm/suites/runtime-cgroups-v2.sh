#!/bin/bash
# Inside the test VM (see infra/vm/README.md): proves the machine is cgroup v2 only, then runs
# the runtime's cgroup tests and sandbox tests against its kernel.
set -u

fs=$(stat -fc %T /sys/fs/cgroup)
if [ "$fs" != cgroup2fs ]; then
  echo "FAIL: /sys/fs/cgroup is $fs, not cgroup2fs: the VM did not boot with cgroup v2 only (check the kernel command line in infra/vm/recipe.json)"
  exit 1
fi
if grep -q ' - cgroup ' /proc/self/mountinfo; then
  echo "FAIL: cgroup v1 hierarchies are mounted beside cgroup2:"
  grep ' - cgroup ' /proc/self/mountinfo
  exit 1
fi
echo "cgroup v2 only: /sys/fs/cgroup is cgroup2fs with controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "this job runs in $(cut -d: -f3 /proc/self/cgroup)"

cd /repo/packages/runtime || exit 1
for need in build/Release/byhand-init ../../node_modules/tsx; do
  if [ ! -e "$need" ]; then
    echo "FAIL: $PWD/$need is missing in the shared checkout: run \`npm run setup\` on the host first"
    exit 1
  fi
done
# A test that hangs fails by name after 5 minutes; a test file that leaks a child process
# still ends once its tests are done (the VM is powered off after this anyway).
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec --test-timeout=300000 --test-force-exit \
  test/cgroups.test.ts test/cgroups-unit.test.ts test/sandbox.test.ts
