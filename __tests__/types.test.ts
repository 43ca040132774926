/**
 * The public API's types, checked by the compiler. __tests__/types/solveTypes.ts compiles as
 * it is under `tsc --noEmit -p tsconfig.json` (npm test; an unused `@ts-expect-error` is an
 * error there); this test removes its `@ts-expect-error` directives and checks that the
 * compiler then fails on exactly the lines they marked, and nowhere else.
 */
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.join(ROOT, '__tests__', 'types', 'solveTypes.ts');

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return {...parsed.options, noEmit: true, noUnusedLocals: false};
}

/** Diagnostics of the fixture compiled with its text replaced by `text`, as `line: message`. */
function diagnostics(text: string): {lines: number[]; messages: string[]} {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = file => path.resolve(file) === FIXTURE ? text : readFile(file);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) => path.resolve(file) === FIXTURE ?
    ts.createSourceFile(file, text, language, true) : getSourceFile(file, language, onError);
  const program = ts.createProgram([FIXTURE], options, host);
  const source = program.getSourceFile(FIXTURE) as ts.SourceFile;
  const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  return {
    lines: found.map(d => source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1),
    messages: found.map(d => `${source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
  };
}

describe('public types', () => {
  it('each @ts-expect-error line of the fixture fails without its directive, and no other line does', () => {
    const text = ts.sys.readFile(FIXTURE) as string;
    const lines = text.split('\n');
    const marked = lines.flatMap((line, i) => /^\s*\/\/ @ts-expect-error/.test(line) ? [i + 2] : []);
    expect(marked.length).toBeGreaterThanOrEqual(7);
    const stripped = lines.map(line => line.replace(/\/\/ @ts-expect-error.*$/, '//')).join('\n');
    const failing = diagnostics(stripped);
    expect(failing.messages.length).toBeGreaterThanOrEqual(marked.length);
    expect([...new Set(failing.lines)].sort((a, b) => a - b)).toEqual(marked);
  });
});
