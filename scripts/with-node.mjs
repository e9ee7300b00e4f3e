// Runs a script with Node >= 22.15: the machine's node when recent enough, else the provisioned one.
import { execWithNode } from '../bin/node-runtime.mjs';
execWithNode(process.argv.slice(2));
