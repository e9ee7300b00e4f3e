// Preloaded into a child (`node --import ./bench/lib/cpu-report.mjs ...`): when the process
// exits, writes its CPU time and peak RSS to the file named by BENCH_CPU_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssBytes: usage.maxRSS * 1024 }));
  });
}
