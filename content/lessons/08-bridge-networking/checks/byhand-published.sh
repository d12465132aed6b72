#!/bin/sh
# Passes when a byhand container named web serves its page through the published port 8081.
export PATH="$PATH:/opt/byhand/bin"
if ! byhand ps 2>/dev/null | grep -q ' web$'; then
  echo "No running container named web: run the byhand run -p step."
  exit 1
fi
page=$(curl -s -m 3 http://127.0.0.1:8081/ 2>/dev/null)
case "$page" in
  *"hello from web"*) echo "127.0.0.1:8081 leads to the web container: $page"; exit 0 ;;
esac
echo "The web container runs, but 127.0.0.1:8081 does not reach it. Was it started with -p 8081:80?"
exit 1
