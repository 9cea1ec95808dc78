// Parse a GIFT file with gift-pegjs (the third-party reader) and print its parse as JSON.
// Usage: node tests/js/parse-gift.js FILE
const fs = require("fs");
const { parse } = require("gift-pegjs");
try {
  process.stdout.write(JSON.stringify(parse(fs.readFileSync(process.argv[2], "utf8"))));
} catch (error) {
  process.stderr.write(`${error.name}: ${error.message} at ${JSON.stringify(error.location || null)}\n`);
  process.exit(1);
}
