// The OTLP receiver in its own process; reports its URL over IPC and exits when the bench does.
import { startReceiver } from './lib/otlp-receiver.mjs';

const rx = await startReceiver();
process.send?.({ url: rx.url });
process.on('disconnect', () => process.exit(0));
