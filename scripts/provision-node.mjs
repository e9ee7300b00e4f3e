// npm postinstall: make sure a Node >= 22.15 is available (installs Node 24 into .tools/ when the machine's is older).
import { provisionNode } from '../bin/node-runtime.mjs';
provisionNode();
