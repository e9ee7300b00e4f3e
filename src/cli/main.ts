// placeholder; replaced by the CLI
process.stdout.write('assistants-otel-bridge\n');
