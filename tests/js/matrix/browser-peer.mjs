// The matrix peer in a web page, bundled as an app bundler would bundle it
// for browsers ('promptfoo-webhooks' resolves through the package's
// "browser" export condition). The test calls window.matrixPeer.run(mode,
// JSON lines) and gets JSON lines back.
import * as lib from 'promptfoo-webhooks';
import { runPeer } from './peer-core.mjs';

window.matrixPeer = { run: (mode, input) => runPeer(lib, mode, input) };
