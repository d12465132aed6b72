#!/bin/sh
# Passes when the sandbox's IPC namespace holds a System V message queue.
queues=$(ipcs -q | grep -c '^0x')
if [ "$queues" -gt 0 ]; then
  echo "Your IPC namespace has $queues message queue(s)."
  exit 0
fi
echo "There is no message queue in your IPC namespace. Make one with: ipcmk --queue"
exit 1
