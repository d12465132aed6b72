/** The OCI image spec's JSON documents, as far as the runtime reads and writes them. */
import type { Descriptor } from './blobs.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const MANIFEST_TYPES: string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];
export const INDEX_TYPES: string[] = [MEDIA.ociIndex, MEDIA.dockerList];

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface OciConfig {
  created?: string;
  architecture: string;
  os: string;
  config?: {
    Env?: string[];
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, object> | null;
    User?: string;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

/** A manifest document of a type the runtime can use, or an error naming what it got. */
export function checkManifest(doc: { mediaType?: string; config?: unknown; layers?: unknown }, what: string): Manifest {
  const type = doc.mediaType ?? MEDIA.ociManifest;
  if (!MANIFEST_TYPES.includes(type) || !doc.config || !Array.isArray(doc.layers)) {
    throw new Error(`${what}: unknown manifest type ${type}: byhand reads ${[...MANIFEST_TYPES, ...INDEX_TYPES].join(', ')}`);
  }
  return doc as Manifest;
}
