import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellWords } from './compose/text.ts';
import { NON_POSIX_SHELL, readShellWord, SHELL, type ShellWord, splitWords, TEXT } from './shell-words.ts';

const values = (words: readonly ShellWord[]): string[] => words.map((w) => w.value);

/** The words of a shell script, read one after another (what `tokenizeShell` does between operators). */
function shellValues(text: string, rules = SHELL): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    if (text.charAt(i) === ' ') {
      i++;
      continue;
    }
    const w = readShellWord(text, i, rules);
    out.push(w.value);
    i = Math.max(w.end, i + 1);
  }
  return out;
}

describe('splitWords: text', () => {
  it('splits at blanks, removes quotes, applies escapes and knows where each word is', () => {
    const text = `redis-server --requirepass "s3cret pass" --save '' a\\ b`;
    const words = splitWords(text);
    expect(values(words)).toEqual(['redis-server', '--requirepass', 's3cret pass', '--save', '', 'a b']);
    expect(words.map((w) => text.slice(w.start, w.end))).toEqual(['redis-server', '--requirepass', '"s3cret pass"', '--save', "''", 'a\\ b']);
    expect(words[2]?.quotes).toEqual([[27, 39]]);
  });

  it('maps every value character back to the source (segments), through quotes and escapes', () => {
    const text = 'x --password="p\\"w d"';
    const [, w] = splitWords(text, TEXT, { segments: true });
    expect(w?.value).toBe('--password=p"w d');
    expect(w?.segments).toEqual([
      { v: 0, r: 2, rl: 11, vl: 11, quoted: false },
      { v: 11, r: 14, rl: 1, vl: 1, quoted: true },
      { v: 12, r: 15, rl: 2, vl: 1, quoted: true },
      { v: 13, r: 17, rl: 3, vl: 3, quoted: true },
    ]);
  });

  it('marks the first word of each line, and joins lines continued by the escape character', () => {
    const words = splitWords('apt-get update &&\\\n  apt-get install -y curl\nuseradd app');
    expect(words.filter((w) => w.first).map((w) => w.value)).toEqual(['apt-get', 'useradd']);
  });

  it('takes an unclosed quote for an ordinary character (free text keeps its words)', () => {
    expect(values(splitWords(`it's --password hunter2`))).toEqual(["it's", '--password', 'hunter2']);
  });

  it('uses the escape character given, inside double quotes too (a Dockerfile with # escape=`)', () => {
    const backtick = { ...TEXT, escape: '`' };
    expect(values(splitWords('C:\\app "say `"hi`"" a` b', backtick))).toEqual(['C:\\app', 'say "hi"', 'a b']);
  });

  it('is what Compose splits a command with', () => {
    const text = `sh -c 'exec nginx -g "daemon off;"' "a b" c\\ d`;
    expect(shellWords(text)).toEqual(values(splitWords(text)));
    expect(shellWords(text)).toEqual(['sh', '-c', 'exec nginx -g "daemon off;"', 'a b', 'c d']);
  });
});

describe('readShellWord: a POSIX shell', () => {
  it('ends words at operators and keeps substitutions whole and literal', () => {
    expect(readShellWord('a&&b', 0, SHELL)).toMatchObject({ value: 'a', start: 0, end: 1 });
    expect(readShellWord('cmd>/dev/null', 0, SHELL)).toMatchObject({ value: 'cmd', end: 3 });
    expect(readShellWord('x=$(cat "a b" | tr -d \' \')rest next', 0, SHELL).value).toBe('x=$(cat "a b" | tr -d \' \')rest');
    expect(readShellWord('`uname -m`-suffix', 0, SHELL).value).toBe('`uname -m`-suffix');
    expect(readShellWord("$'a\\tb'", 0, SHELL).value).toBe('a\tb');
    expect(readShellWord('diff<(curl -fsSL https://x) y', 0, SHELL).value).toBe('diff<(curl -fsSL https://x)');
  });

  it('reads double quotes as a shell does and runs an unclosed quote to the end', () => {
    expect(readShellWord('"a \\"b\\" \\$HOME \\x"', 0, SHELL).value).toBe('a "b" $HOME \\x');
    expect(readShellWord("'never closed; rm -rf /", 0, SHELL)).toMatchObject({ value: 'never closed; rm -rf /', end: 23 });
  });

  it('keeps backslashes and backticks ordinary for cmd and PowerShell', () => {
    expect(readShellWord('C:\\app\\bin`n rest', 0, NON_POSIX_SHELL).value).toBe('C:\\app\\bin`n');
  });
});

describe('splitWords and readShellWord agree where text and shell syntax are the same', () => {
  it('on words of letters, blanks, quotes and escapes', () => {
    const piece = fc.constantFrom('a', 'b-c', '--flag=x', ' ', '  ', '"q r"', "'s t'", '\\ ', '\\"', '""', '"\\$x"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(shellValues(text)).toEqual(values(splitWords(text)));
      }),
    );
  });

  it('words lie in the text, in order, and each reads back as itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        let last = 0;
        for (const w of splitWords(text)) {
          expect(w.start).toBeGreaterThanOrEqual(last);
          expect(w.end).toBeLessThanOrEqual(text.length);
          last = w.end;
        }
      }),
    );
  });
});
