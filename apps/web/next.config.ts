import path from 'node:path';
import type { NextConfig } from 'next';

// The monorepo root: lessons (content/) and @byhand/protocol live outside apps/web.
const repoRoot = path.resolve(__dirname, '../..');

const nextConfig: NextConfig = {
  // @byhand/protocol ships TypeScript sources, not built JavaScript.
  transpilePackages: ['@byhand/protocol'],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  poweredByHeader: false,
  // A second build (e.g. a check while the site is being served) can go elsewhere.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // On everything the site serves; pages also get a Content-Security-Policy (proxy.ts).
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
