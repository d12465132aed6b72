/**
 * infra/k8s/manifests, offline: every object against the Kubernetes OpenAPI schema (through
 * kubernetes-models, which bundles it), then what a schema cannot see: that the names the
 * objects use to find each other (selectors, Services, ports, per-host routes) match.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'manifests');

function loadAll() {
  const objects = [];
  for (const file of readdirSync(DIR).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file}: ${doc.errors.join('; ')}`);
      const object = doc.toJS();
      if (object) objects.push({ file, object });
    }
  }
  return objects;
}

/** The kubernetes-models class for an object's apiVersion and kind. */
async function modelOf({ apiVersion, kind }) {
  const models = await import(`kubernetes-models/${apiVersion}`);
  assert.ok(models[kind], `kubernetes-models has no ${apiVersion} ${kind}`);
  return models[kind];
}

const objects = loadAll();
const find = (kind, name) => objects.map((o) => o.object).find((o) => o.kind === kind && o.metadata.name === name);
const ofKind = (kind) => objects.map((o) => o.object).filter((o) => o.kind === kind);
const matches = (selector, labels) => Object.entries(selector).every(([key, value]) => labels[key] === value);

test('every manifest is valid against the Kubernetes API schema', async () => {
  assert.ok(objects.length >= 10, `only ${objects.length} objects found in ${DIR}`);
  for (const { file, object } of objects) {
    const Model = await modelOf(object);
    assert.doesNotThrow(() => new Model(object).validate(), `${file}: ${object.kind} ${object.metadata?.name}`);
    if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, 'byhand', `${file}: ${object.kind} ${object.metadata.name}`);
  }
});

test('the validator does refuse a malformed object', async () => {
  const Model = await modelOf({ apiVersion: 'apps/v1', kind: 'StatefulSet' });
  const broken = structuredClone(find('StatefulSet', 'byhand-agent'));
  broken.spec.replicas = 'three';
  assert.throws(() => new Model(broken).validate());
});

test('each Service selects pods that exist, on a port they name', () => {
  const templates = [...ofKind('StatefulSet'), ...ofKind('Deployment')].map((w) => w.spec.template);
  for (const service of ofKind('Service')) {
    const { ['statefulset.kubernetes.io/pod-name']: podName, ...labels } = service.spec.selector;
    const template = templates.find((t) => matches(labels, t.metadata.labels));
    assert.ok(template, `Service ${service.metadata.name} selects no pods`);
    const ports = template.spec.containers.flatMap((c) => c.ports.map((p) => p.name));
    for (const port of service.spec.ports) assert.ok(ports.includes(port.targetPort), `Service ${service.metadata.name}: no container port ${port.targetPort}`);
    if (podName) {
      const [, n] = /^byhand-agent-(\d+)$/.exec(podName);
      assert.ok(Number(n) < find('StatefulSet', 'byhand-agent').spec.replicas, `${podName} is beyond the StatefulSet's replicas`);
    }
  }
});

test('every agent host has its own Service and its own route, and the site lists it', () => {
  const agents = find('StatefulSet', 'byhand-agent');
  assert.equal(find('Service', agents.spec.serviceName).spec.clusterIP, 'None', 'the StatefulSet needs a headless Service');
  const web = find('Deployment', 'byhand-web').spec.template.spec.containers[0];
  const urls = web.env.find((e) => e.name === 'BYHAND_AGENT_URLS').value.split(',');
  const paths = ofKind('Ingress').flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths));
  for (let n = 0; n < agents.spec.replicas; n += 1) {
    const host = `byhand-agent-${n}`;
    assert.ok(find('Service', host), `no Service ${host}`);
    assert.ok(urls.includes(`http://${host}.${agents.spec.serviceName}:3001`), `BYHAND_AGENT_URLS lacks ${host}`);
    const route = paths.find((p) => p.backend.service.name === host);
    assert.ok(route, `no Ingress route to ${host}`);
    assert.equal(route.path, `/agents/${host}/v1/sessions/([^/]+)/tty`);
  }
  const rewrite = find('Ingress', 'byhand').metadata.annotations['nginx.ingress.kubernetes.io/rewrite-target'];
  assert.equal(rewrite, '/v1/sessions/$1/tty', 'the rewrite keeps the session id (the one group of each path)');
});

test('every Ingress backend is a Service and a port that exist', () => {
  for (const ingress of ofKind('Ingress')) {
    for (const { backend } of ingress.spec.rules.flatMap((r) => r.http.paths)) {
      const service = find('Service', backend.service.name);
      assert.ok(service, `Ingress ${ingress.metadata.name}: no Service ${backend.service.name}`);
      assert.ok(service.spec.ports.some((p) => p.name === backend.service.port.name), `Service ${backend.service.name} has no port ${backend.service.port.name}`);
    }
  }
});

test('only the agent is privileged; both check health; one agent per node', () => {
  const agents = find('StatefulSet', 'byhand-agent').spec.template.spec;
  assert.equal(agents.containers[0].securityContext.privileged, true);
  assert.equal(agents.containers[0].readinessProbe.httpGet.path, '/healthz');
  assert.equal(agents.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, 'kubernetes.io/hostname');
  const web = find('Deployment', 'byhand-web').spec.template.spec;
  assert.equal(web.securityContext.runAsNonRoot, true);
  assert.equal(web.containers[0].securityContext.allowPrivilegeEscalation, false);
  for (const container of [agents.containers[0], web.containers[0]]) assert.ok(container.resources.limits.memory, container.name);
});
