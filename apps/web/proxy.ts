/**
 * Gives every browser its learner cookie with the first page it loads, so that the page's
 * requests (its sandbox, its progress) that follow all carry the same learner.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { learnerOf } from './lib/learner';

export function proxy(request: NextRequest): NextResponse {
  const response = NextResponse.next();
  const { setCookie } = learnerOf(request);
  if (setCookie) response.headers.append('set-cookie', setCookie);
  return response;
}

export const config = { matcher: ['/', '/lessons/:path*', '/source/:path*'] };
