#!/usr/bin/env node
// Writes packages/<name>/api.md: the public surface of each package, read from its built
// declarations (the `types` of every entry in `exports`) with the TypeScript compiler API: every
// exported name, its kind and its signature as declared. Run after `pnpm build`.
//   node scripts/api-report.mjs           write the files
//   node scripts/api-report.mjs --check   write nothing; exit 1 when a file is stale (CI)
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
/** Member and type texts longer than this are cut: the report lists a surface, not every schema. */
const MAX_TYPE_LENGTH = 160;

const oneLine = (text) => text.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
function shorten(text) {
  const line = oneLine(text);
  if (line.length <= MAX_TYPE_LENGTH) return line;
  return line.startsWith('{') ? '{ … }' : `${line.slice(0, MAX_TYPE_LENGTH - 2)} …`;
}
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const has = (node, kind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

/** The name of the package a declaration file belongs to (its nearest package.json). */
function packageNameOf(file) {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).name;
  }
  return 'unknown';
}

function report(name) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entries = Object.entries(manifest.exports).map(([subpath, target]) => ({
    specifier: `${manifest.name}${subpath.slice(1)}`,
    file: join(dir, target.import?.types ?? target.types),
  }));
  for (const { file } of entries) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first.`);
  }
  const program = ts.createProgram(
    entries.map(({ file }) => file),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    },
  );
  const checker = program.getTypeChecker();
  const packageDir = realpathSync(dir) + sep;
  const printed = new Map(); // symbol -> the entry that described it first

  const typeText = (node, symbol, at) =>
    shorten(node ? node.getText() : checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at)));
  const typeParameters = (node) =>
    node.typeParameters ? `<${node.typeParameters.map((p) => oneLine(p.getText())).join(', ')}>` : '';

  /** `readonly name?: type`, or `name(params): result` for methods, as the declaration says. */
  function member(symbol, at) {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const key = checker.symbolToString(symbol);
    if (declaration && (ts.isMethodSignature(declaration) || ts.isMethodDeclaration(declaration))) {
      return (symbol.declarations ?? [])
        .map(
          (d) => `${key}${d.questionToken ? '?' : ''}${oneLine(d.getText().slice(d.name.getText().length))}`,
        )
        .map((text) => text.replace(/;$/, ''));
    }
    const readonly = declaration && has(declaration, ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
    const optional = symbol.flags & ts.SymbolFlags.Optional ? '?' : '';
    return [`${readonly}${key}${optional}: ${typeText(declaration?.type, symbol, at)}`];
  }

  function describeClass(declaration, symbol) {
    const heritage = (declaration.heritageClauses ?? []).map((h) => ` ${oneLine(h.getText())}`).join('');
    const lines = [`- \`class ${symbol.name}${typeParameters(declaration)}${heritage}\``];
    for (const node of declaration.members) {
      if (has(node, ts.SyntaxKind.PrivateKeyword) || has(node, ts.SyntaxKind.ProtectedKeyword)) continue;
      if (node.name && ts.isPrivateIdentifier(node.name)) continue;
      const isStatic = has(node, ts.SyntaxKind.StaticKeyword) ? 'static ' : '';
      if (ts.isConstructorDeclaration(node)) {
        lines.push(`  - \`constructor(${node.parameters.map((p) => oneLine(p.getText())).join(', ')})\``);
      } else if (node.symbol) {
        for (const text of member(node.symbol, node)) lines.push(`  - \`${isStatic}${text}\``);
      }
    }
    return lines;
  }

  function describeInterface(declaration, symbol) {
    const heritage = (declaration.heritageClauses ?? []).map((h) => ` ${oneLine(h.getText())}`).join('');
    const lines = [`- \`interface ${symbol.name}${typeParameters(declaration)}${heritage}\``];
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    for (const signature of type.getCallSignatures()) {
      lines.push(`  - \`${shorten(checker.signatureToString(signature))}\``);
    }
    for (const info of checker.getIndexInfosOfType(type)) {
      const key = checker.typeToString(info.keyType);
      lines.push(
        `  - \`${info.isReadonly ? 'readonly ' : ''}[key: ${key}]: ${shorten(checker.typeToString(info.type))}\``,
      );
    }
    for (const property of checker.getPropertiesOfType(type)) {
      for (const text of member(property, declaration)) lines.push(`  - \`${text}\``);
    }
    return lines;
  }

  /** One exported name: a line per meaning (a name can be a value and a type at once). */
  function describe(exported, entry) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    const file = declarations[0]?.getSourceFile().fileName;
    if (file && !realpathSync(file).startsWith(packageDir)) {
      const kind = symbol.flags & ts.SymbolFlags.Value ? 'value' : 'type';
      return [`- \`${exported.name}\` (${kind}, from \`${packageNameOf(realpathSync(file))}\`)`];
    }
    if (printed.has(symbol)) return [`- \`${exported.name}\` (as in \`${printed.get(symbol)}\`)`];
    printed.set(symbol, entry);
    const lines = [];
    for (const declaration of declarations) {
      if (ts.isClassDeclaration(declaration)) lines.push(...describeClass(declaration, symbol));
      else if (ts.isInterfaceDeclaration(declaration)) {
        if (!lines.some((line) => line.startsWith(`- \`interface ${symbol.name}`))) {
          lines.push(...describeInterface(declaration, symbol));
        }
      } else if (ts.isFunctionDeclaration(declaration)) {
        const text = oneLine(declaration.getText())
          .replace(/^(export )?(declare )?function /, 'function ')
          .replace(/;$/, '');
        lines.push(`- \`${text}\``);
      } else if (ts.isVariableDeclaration(declaration)) {
        const keyword = declaration.parent.flags & ts.NodeFlags.Const ? 'const' : 'let';
        lines.push(`- \`${keyword} ${symbol.name}: ${typeText(declaration.type, symbol, declaration)}\``);
      } else if (ts.isTypeAliasDeclaration(declaration)) {
        lines.push(
          `- \`type ${symbol.name}${typeParameters(declaration)} = ${shorten(declaration.type.getText())}\``,
        );
      } else if (ts.isEnumDeclaration(declaration)) {
        lines.push(
          `- \`enum ${symbol.name} { ${declaration.members.map((m) => m.name.getText()).join(', ')} }\``,
        );
      } else if (ts.isModuleDeclaration(declaration)) {
        lines.push(`- \`namespace ${symbol.name}\``);
      }
    }
    return lines.length > 0 ? lines : [`- \`${exported.name}\``];
  }

  const out = [
    `# ${manifest.name}: public API`,
    '',
    'Generated by `node scripts/api-report.mjs` from the built declarations; CI fails when it is stale',
    '(run `pnpm build && node scripts/api-report.mjs` after changing an export, and commit the result).',
    `Types longer than ${MAX_TYPE_LENGTH} characters are cut (\`…\`); an object type that long shows as \`{ … }\`.`,
  ];
  for (const { specifier, file } of entries) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    const exports = module ? [...checker.getExportsOfModule(module)].sort(byName) : [];
    out.push('', `## \`${specifier}\``, '');
    if (exports.length === 0) out.push('(no exports)');
    for (const exported of exports) out.push(...describe(exported, specifier));
  }
  return `${out.join('\n')}\n`;
}

const stale = [];
for (const name of readdirSync(join(root, 'packages'))) {
  if (!existsSync(join(root, 'packages', name, 'package.json'))) continue;
  const path = join(root, 'packages', name, 'api.md');
  const text = report(name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) continue;
  if (check) stale.push(`packages/${name}/api.md`);
  else {
    writeFileSync(path, text);
    console.log(`wrote packages/${name}/api.md`);
  }
}
if (stale.length > 0) {
  console.error(
    `The public API changed, or api.md is stale (run \`pnpm build && node scripts/api-report.mjs\`, review, commit):\n  ${stale.join('\n  ')}`,
  );
  process.exit(1);
}
if (check) console.log('api.md of every package is up to date.');
