import { describe, expect, it } from 'vitest';
import { defaultPriorityFor, routeTemplate } from '../../src/scheduler/route-label.js';

const u = (path: string) => new URL(`https://api.example.com${path}`);

describe('routeTemplate', () => {
  it.each([
    ['/v1/threads/thread_abc/runs?limit=100&order=asc', '/threads/{thread_id}/runs'],
    ['/v1/threads/thread_abc/runs/run_1', '/threads/{thread_id}/runs/{run_id}'],
    ['/v1/threads/thread_abc/runs/run_1/steps', '/threads/{thread_id}/runs/{run_id}/steps'],
    ['/v1/threads/thread_abc/runs/run_1/steps/step_9', '/threads/{thread_id}/runs/{run_id}/steps/{step_id}'],
    ['/v1/threads/thread_abc/runs/run_1/cancel', '/threads/{thread_id}/runs/{run_id}/cancel'],
    ['/v1/assistants/asst_42', '/assistants/{assistant_id}'],
    ['/openai/threads/t1/runs?api-version=2025-05-01', '/threads/{thread_id}/runs'],
    ['/v1/threads/runs', '/threads/runs'],
    ['/v1/threads/t1/runs/r1/secret_thing', '/threads/{thread_id}/runs/{run_id}/{id}'],
    ['/v1/models', '/other'],
    ['/', '/other'],
  ])('%s -> %s', (path, route) => {
    expect(routeTemplate(u(path))).toBe(route);
  });

  it('never carries an id from the path', () => {
    const route = routeTemplate(u('/v1/threads/thread_SECRET/runs/run_SECRET/steps/step_SECRET/x_SECRET'));
    expect(route).not.toContain('SECRET');
  });
});

describe('defaultPriorityFor', () => {
  it('classifies Assistants reads', () => {
    expect(defaultPriorityFor(u('/v1/threads/t/runs?limit=100'), 'GET')).toBe('discovery');
    expect(defaultPriorityFor(u('/v1/threads/t/runs/r'), 'GET')).toBe('finishing');
    expect(defaultPriorityFor(u('/v1/threads/t/runs/r/steps'), 'get')).toBe('finishing');
    expect(defaultPriorityFor(u('/v1/threads/t/runs/r/steps/s'), 'GET')).toBe('finishing');
    expect(defaultPriorityFor(u('/v1/assistants/a'), 'GET')).toBe('finishing');
  });

  it('puts everything else in the middle', () => {
    expect(defaultPriorityFor(u('/v1/threads/t'), 'GET')).toBe('discovery');
    expect(defaultPriorityFor(u('/v1/threads/t/runs'), 'POST')).toBe('discovery');
    expect(defaultPriorityFor(u('/v1/models'), 'GET')).toBe('discovery');
  });
});
