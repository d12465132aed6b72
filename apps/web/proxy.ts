/**
 * Every page: the learner cookie with the first page a browser loads, so that the requests that
 * follow (its sandbox, its progress) all carry the same learner; and the Content-Security-Policy.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { contentSecurityPolicy } from './lib/csp';
import { learnerOf } from './lib/learner';

export function proxy(request: NextRequest): NextResponse {
  const response = NextResponse.next();
  const { setCookie } = learnerOf(request);
  if (setCookie) response.headers.append('set-cookie', setCookie);
  response.headers.set('content-security-policy', contentSecurityPolicy(request.headers.get('host')));
  return response;
}

export const config = { matcher: ['/', '/lessons/:path*', '/source/:path*'] };
