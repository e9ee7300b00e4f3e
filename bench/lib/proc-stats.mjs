// Samples a process's memory and CPU from /proc (Linux): RSS now and at peak, and CPU seconds.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticks = null;
function clockTicks() {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** { rssBytes, peakRssBytes, cpuSeconds } or null once the process is gone. */
export function readProc(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / clockTicks();
    return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), cpuSeconds: cpu };
  } catch {
    return null;
  }
}

/** Samples `pid` every `everyMs` until stop(); returns the series. */
export function sampleProcess(pid, everyMs = 1000) {
  const samples = [];
  const take = () => {
    const s = readProc(pid);
    if (s) samples.push({ at: Date.now(), ...s });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU use as a share of one core, over the whole series and the busiest `windowMs`. */
export function cpuSummary(samples, windowMs = 10_000) {
  if (samples.length < 2) return { mean: null, maxWindow: null };
  const first = samples[0];
  const last = samples[samples.length - 1];
  const mean = (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000);
  let maxWindow = 0;
  let j = 0;
  for (let i = 0; i < samples.length; i++) {
    while (j < samples.length && samples[j].at - samples[i].at < windowMs) j++;
    if (j >= samples.length) break;
    const rate = (samples[j].cpuSeconds - samples[i].cpuSeconds) / ((samples[j].at - samples[i].at) / 1000);
    maxWindow = Math.max(maxWindow, rate);
  }
  return { mean, maxWindow: maxWindow || mean };
}
