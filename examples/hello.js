// The example the README's `scripts/demo.sh` runs through `secure-exec run`: a guest process in a
// fresh VM, using what the guest runtime offers without modules (console, process, timers).
const name = process.argv[2] || 'world';
console.log(`Hello, ${name}, from a secure-exec VM!`);
console.log(`node ${process.version} on ${process.platform}/${process.arch}, pid ${process.pid}, cwd ${process.cwd()}`);
console.log(`argv: ${JSON.stringify(process.argv)}`);

// Something computed inside the guest: the primes below 100 by a sieve.
const limit = 100;
const composite = new Array(limit).fill(false);
const primes = [];
for (let n = 2; n < limit; n++) {
  if (composite[n]) continue;
  primes.push(n);
  for (let m = n * n; m < limit; m += n) composite[m] = true;
}
console.log(`${primes.length} primes below ${limit}, summing to ${primes.reduce((a, b) => a + b, 0)}`);

const started = performance.now();
setTimeout(() => {
  console.log(`a timer fired after ${Math.round(performance.now() - started)} ms; exiting with code 0`);
}, 20);
