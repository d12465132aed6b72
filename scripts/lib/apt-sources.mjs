/**
 * Finds the Debian mirror the host's apt already uses, so that the lab image is built from
 * the same (reachable) place. Reads one-line (.list) and deb822 (.sources) files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const FALLBACK_MIRROR = 'http://deb.debian.org/debian';
export const FALLBACK_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';

/** Every `deb` entry in the host's apt sources: [{uri, suites}]. */
export function readHostSources(dir = '/etc/apt') {
  const files = [join(dir, 'sources.list')];
  try {
    for (const name of readdirSync(join(dir, 'sources.list.d')).sort()) {
      // apt itself reads only these two extensions; ".disabled" and the like are ignored.
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(join(dir, 'sources.list.d', name));
    }
  } catch {
    // No sources.list.d: only sources.list counts.
  }
  const entries = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    entries.push(...(file.endsWith('.sources') ? parseDeb822(text) : parseOneLine(text)));
  }
  return entries;
}

/** "deb [opts] uri suite comp..." lines. */
export function parseOneLine(text) {
  const entries = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match) entries.push({ uri: match[1], suites: [match[2]] });
  }
  return entries;
}

/** deb822 stanzas separated by blank lines, with Types, URIs, Suites and Enabled fields. */
export function parseDeb822(text) {
  const entries = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = {};
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (match) fields[match[1].toLowerCase()] = match[2].trim();
    }
    if (!fields.types?.split(/\s+/).includes('deb')) continue;
    if (fields.enabled === 'no') continue;
    const suites = (fields.suites ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.uris ?? '').split(/\s+/).filter(Boolean)) entries.push({ uri, suites });
  }
  return entries;
}

/**
 * The sources lines for a lab image of `suite`: the host's mirrors for the suite, its updates
 * and its security archive; Debian's own mirrors for any the host does not have (e.g. on Ubuntu).
 */
export function labSources(entries, suite, components) {
  const find = (name) => entries.find((entry) => entry.suites.includes(name))?.uri;
  // A host on another Debian release still names a Debian mirror, which has every suite.
  const archive = (path) => entries.find((entry) => entry.uri.replace(/\/+$/, '').endsWith(path))?.uri;
  const main = find(suite) ?? archive('/debian') ?? FALLBACK_MIRROR;
  const updates = find(`${suite}-updates`) ?? main;
  const security = find(`${suite}-security`) ?? archive('/debian-security') ?? FALLBACK_SECURITY_MIRROR;
  const comps = components.join(' ');
  return [
    `deb ${main} ${suite} ${comps}`,
    `deb ${updates} ${suite}-updates ${comps}`,
    `deb ${security} ${suite}-security ${comps}`,
  ];
}
