// bench/connlimit.sh's client: against a daoid at PORT that holds HELD connections (its
// max_connections), ROUNDS times: open one connection more, send a request and time from the
// connect to the close daoid answers with. Prints one time per round in ms, then "ok".
import net from 'node:net';

const [port, held, rounds] = process.argv.slice(2).map(Number);

function open() {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    sock.on('data', (c) => {
      text += c.toString('latin1');
      if (/\r\n\r\nok/.test(text)) resolve(sock);
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('a connection within the limit was closed')));
    sock.on('connect', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
  });
}

function refused() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const sock = net.connect(port, '127.0.0.1');
    let answered = false;
    sock.on('data', () => { answered = true; });
    sock.on('error', () => {}); // a reset is a close too
    sock.on('connect', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    sock.on('close', () => {
      if (answered) reject(new Error('a connection past the limit was served'));
      else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

const socks = [];
for (let i = 0; i < held; i++) {
  try { socks.push(await open()); } catch { break; } // the limit may count one of daoid's own
}
for (let r = 0; r < rounds; r++) console.log((await refused()).toFixed(2));
for (const s of socks) s.destroy();
console.log('ok');
