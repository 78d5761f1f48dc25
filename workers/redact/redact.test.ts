import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CORPUS, PLANTED } from '../../test/fixtures/secrets/corpus.ts';
import { dedent } from '../controls/testing.ts';
import { evaluate } from '../engine/evaluate.ts';
import type { ArtifactKind } from '../model/evidence.ts';
import { commandSpans } from './command.ts';
import { redactArtifact, redactUpload } from '../engine/redact.ts';
import { PLACEHOLDER, redactMetadata, RedactionError } from './index.ts';
import { isSecretName, keepsEnvValue } from './names.ts';
import { applySpans } from './redaction.ts';
import { looksRandom, shapeSpans } from './shapes.ts';

const scrub = (text: string): string => applySpans(text, [...commandSpans(text), ...shapeSpans(text)], true);
const redacted = (kind: ArtifactKind, content: unknown) => redactArtifact(kind, content);
const text = (kind: ArtifactKind, content: string): string => String(redactArtifact(kind, content).content);

describe('command lines', () => {
  it.each([
    ['redis-server --requirepass s3cretpass --protected-mode no', 'redis-server --requirepass [REDACTED] --protected-mode no'],
    ['redis-server --requirepass=s3cretpass', 'redis-server --requirepass=[REDACTED]'],
    ['sh -c "redis-server --requirepass \'two words\' --appendonly yes"', 'sh -c "redis-server --requirepass \'[REDACTED]\' --appendonly yes"'],
    ['mysql -h db -uroot -pHunter2x < dump.sql && mysqladmin -p status', 'mysql -h db -uroot -p[REDACTED] < dump.sql && mysqladmin -p status'],
    ['sshpass -p Hunter2x ssh backup@host', 'sshpass -p [REDACTED] ssh backup@host'],
    ['redis-cli -a Hunter2x ping', 'redis-cli -a [REDACTED] ping'],
    ['docker login -u ci -p Hunter2x registry.example.com', 'docker login -u ci -p [REDACTED] registry.example.com'],
    ['docker run -e DB_PASSWORD=Hunter2x -e NODE_ENV=production -p 8080:80 app', 'docker run -e DB_PASSWORD=[REDACTED] -e NODE_ENV=production -p 8080:80 app'],
    ['curl -u deploy:Hunter2x https://x', 'curl -u deploy:[REDACTED] https://x'],
    ['curl -H "Authorization: Bearer abc.def" https://x', 'curl -H "Authorization: Bearer [REDACTED]" https://x'],
    ['curl -H Authorization: Bearer abcdef https://x', 'curl -H Authorization: Bearer [REDACTED] https://x'],
    ['NPM_TOKEN=abc123 npm ci', 'NPM_TOKEN=[REDACTED] npm ci'],
    ['java -Dspring.datasource.password=Hunter2x -Xmx1g -jar app.jar', 'java -Dspring.datasource.password=[REDACTED] -Xmx1g -jar app.jar'],
    ['echo "Server=db;User Id=sa;Password=Hunter2x;" > x', 'echo "Server=db;User Id=sa;Password=[REDACTED];" > x'],
    ['curl "https://api.example.com/v1?token=Hunter2x&page=2"', 'curl "https://api.example.com/v1?token=[REDACTED]&page=2"'],
    ['kubeadm join --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00', 'kubeadm join --token [REDACTED] --discovery-token-ca-cert-hash [REDACTED]'],
    ['openssl rsa -in k.pem -passin pass:Hunter2x', 'openssl rsa -in k.pem -passin [REDACTED]'],
    ['["redis-server", "--requirepass", "Hunter2x"]', '["redis-server", "--requirepass", "[REDACTED]"]'],
  ])('%s', (input, expected) => {
    expect(scrub(input)).toBe(expected);
  });

  it.each([
    'etcd --client-cert-auth --trusted-ca-file=/ca.pem --peer-client-cert-auth',
    'kubelet --anonymous-auth=false --read-only-port=0',
    'mongod --auth --bind_ip_all',
    'elasticsearch -Expack.security.enabled=false -Ediscovery.type=single-node',
    'dockerd -H tcp://0.0.0.0:2375 --tlsverify=false',
    'redis-server --protected-mode no --requirepass $REDIS_PASSWORD',
    'docker login -u ci --password-stdin registry.example.com',
    'mysql -p shop',
    'sed -e s/a=b/c/ -e "s/PASSWORD/x/" file',
  ])('keeps switches and references: %s', (input) => {
    expect(scrub(input)).toBe(input);
  });
});

describe('names', () => {
  it.each(['POSTGRES_PASSWORD', 'PGPASSWORD', 'dbPassword', 'NPM_TOKEN', 'api-key', 'AWS_SECRET_ACCESS_KEY', 'client_secret', 'STRIPE_KEY', 'DB_PASS', 'SENTRY_DSN', 'x-api-key'])(
    '%s is secret', (name) => expect(isSecretName(name)).toBe(true),
  );
  it.each(['PASSWORD_FILE', 'POSTGRES_PASSWORD_FILE', 'password-stdin', 'secretName', 'secretKeyRef', 'AWS_ACCESS_KEY_ID', 'client-cert-auth', 'anonymous-auth', 'key', 'ALLOW_EMPTY_PASSWORD', 'NODE_ENV', 'xpack.security.enabled'])(
    '%s is not secret', (name) => expect(isSecretName(name)).toBe(false),
  );

  it('keeps the values the controls read, harmless names and configured ones', () => {
    for (const n of ['POSTGRES_HOST_AUTH_METHOD', 'ALLOW_EMPTY_PASSWORD', 'ALLOW_NONE_AUTHENTICATION', 'MYSQL_ALLOW_EMPTY_PASSWORD',
      'ETCD_CLIENT_CERT_AUTH', 'xpack.security.enabled', 'DOCKER_TLS_CERTDIR', 'PATH', 'NODE_ENV', 'NODE_VERSION', 'LC_ALL']) {
      expect(keepsEnvValue(n), n).toBe(true);
    }
    for (const n of ['REDIS_PASSWORD', 'DATABASE_URL', 'CONFIG', 'MY_SETTING']) expect(keepsEnvValue(n), n).toBe(false);
    expect(keepsEnvValue('MY_SETTING', ['MY_SETTING'])).toBe(true);
  });
});

describe('shapes', () => {
  it('redacts private key bodies, URL passwords, JWTs and service tokens, keeping what surrounds them', () => {
    const input = dedent(`
      key: -----BEGIN OPENSSH PRIVATE KEY-----
      b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
      -----END OPENSSH PRIVATE KEY-----
      db: postgres://shop:Hunter2x@db:5432/shop and https://ghp_R8kT2mW9pZ1cY6bN3hJ5dF0sA2eG7uQ7vL2x@github.com/x
      jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U
      AKIAQ3EGX4ZTPL6WNM2K xoxb-2417-8837-Kq9Lm2Vb4Nc7Ws1Ty3Rz glpat-Xk2mQ9vR4tY7wL1pB6nC SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
    `);
    expect(applySpans(input, shapeSpans(input), true)).toBe(dedent(`
      key: -----BEGIN OPENSSH PRIVATE KEY-----
      [REDACTED]
      -----END OPENSSH PRIVATE KEY-----
      db: postgres://shop:[REDACTED]@db:5432/shop and https://[REDACTED]@github.com/x
      jwt [REDACTED]
      [REDACTED] [REDACTED] [REDACTED] [REDACTED]
    `));
  });

  it('leaves public keys, digests, ids, image references and plain words alone', () => {
    const input = dedent(`
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8nXRh950IZbRj8Ra/N9sbqOPZrfM
      -----END PUBLIC KEY-----
      sha256:4b2a1f0e3c5d7e9f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081 https://registry.example.com/v2/
      sk_test_this_is_a_plain_sentence_and_not_a_key ghp_short
    `);
    expect(shapeSpans(input)).toEqual([]);
    for (const v of ['node:22-bookworm-slim', 'node:${NODE_VERSION}-slim@sha256:4b2a1f0e3c5d7e9f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081',
      '4f1c2e9a7b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a', '1b3d5f7a-9c1e-4b5d-8f9a-1c3e5b7d9f1a', 'MyApp-Version2-Release', '/usr/local/bin/app']) {
      expect(looksRandom(v), v).toBe(false);
    }
    expect(looksRandom('wJ4lrXUtnFEMI7K7MDENGbPxRfiCYz3XAMPLEKEY')).toBe(true);
  });
});

describe('Dockerfile', () => {
  it('redacts ENV and ARG values and secret-looking labels, keeping names, harmless values and lines', () => {
    const input = dedent(`
      ARG BASE=node:22-bookworm-slim
      FROM \${BASE}
      ARG NPM_TOKEN=abc123secret
      ENV NODE_ENV=production \\
          API_URL="https://api.example.com/v1" \\
          GREETING="hello world"
      ENV LEGACY_SECRET shhh-it-is-legacy
      LABEL maintainer="Shop Team" build.token=Tok3n-xyz-42 random=Zx8Kq2Lm9Vb4Nc7Ws1TyQp3
      USER app
    `);
    const r = redacted('dockerfile', input);
    expect(r.content).toBe(dedent(`
      ARG BASE=node:22-bookworm-slim
      FROM \${BASE}
      ARG NPM_TOKEN=[REDACTED]
      ENV NODE_ENV=production \\
          API_URL=[REDACTED] \\
          GREETING=[REDACTED]
      ENV LEGACY_SECRET [REDACTED]
      LABEL maintainer="Shop Team" build.token=[REDACTED] random=[REDACTED]
      USER app
    `));
    expect(r.redactions).toEqual([
      { kind: 'build-arg', location: 'line 3' },
      { kind: 'env', location: 'line 5' },
      { kind: 'env', location: 'line 6' },
      { kind: 'env', location: 'line 7' },
      { kind: 'secret-field', location: 'line 8' },
      { kind: 'high-entropy', location: 'line 8' },
    ]);
  });

  it('keeps variables the build uses where the parser reads them, unless their name says secret', () => {
    const input = dedent(`
      ARG UID=10001
      ARG HOME_DIR=/srv/app
      ARG REGISTRY_TOKEN=abc123secret
      FROM alpine:3.20
      ARG UID
      RUN adduser -D -u \${UID} -h \${HOME_DIR} app && echo \${REGISTRY_TOKEN}
      USER \${UID}
    `);
    expect(text('dockerfile', input)).toContain('ARG UID=10001\nARG HOME_DIR=/srv/app\nARG REGISTRY_TOKEN=[REDACTED]\n');
  });

  it('finds a secret again wherever it is repeated, and in exec-form and heredoc commands', () => {
    const input = dedent(`
      FROM alpine:3.20
      ENV DB_PASSWORD=Rep3ated-Pa55
      RUN <<EOF
      psql "postgresql://app:Rep3ated-Pa55@db/app" -c 'select 1'
      echo Rep3ated-Pa55 > /run/pw
      EOF
      CMD ["app","--api-key","Ex3c-Form-Key"]
    `);
    const out = text('dockerfile', input);
    expect(out).not.toContain('Rep3ated-Pa55');
    expect(out).not.toContain('Ex3c-Form-Key');
    expect(out.split('\n')).toHaveLength(input.split('\n').length);
    expect(out).toContain('CMD ["app","--api-key","[REDACTED]"]');
  });

  it('keeps a value spanning continued lines on its lines', () => {
    const input = 'FROM alpine\nENV SECRET_A=part1\\\npart2 OTHER=x\nUSER app\n';
    const out = text('dockerfile', input);
    expect(out.split('\n')).toHaveLength(input.split('\n').length);
    expect(out).not.toMatch(/part1|part2/);
    const users = evaluate({ artifacts: [{ kind: 'dockerfile', content: out }] }).controls.find((c) => c.id === '3.3')?.findings;
    expect(users?.[0]?.location).toBe('line 4');
  });

  it('changes only the secret in a CRLF Dockerfile: line ends and everything else stay as given', () => {
    const input = 'FROM alpine:3.20\r\nENV APP_ENV=production \\\r\n    DB_PASSWORD=Crlf-Pa55-9e1d\r\nUSER 1000\r\n';
    expect(text('dockerfile', input)).toBe('FROM alpine:3.20\r\nENV APP_ENV=production \\\r\n    DB_PASSWORD=[REDACTED]\r\nUSER 1000\r\n');
  });

  it('returns a Dockerfile without secrets exactly as given', () => {
    const input = 'FROM alpine:3.20\r\nRUN apk add --no-cache curl\r\nUSER 1000\r\n';
    expect(redacted('dockerfile', input)).toEqual({ content: input, redactions: [], counts: {} });
  });
});

describe('YAML', () => {
  it('edits values in place: comments, layout and the switches beside a secret stay', () => {
    const input = dedent(`
      # production
      services:
        cache:
          image: redis:7   # pinned below
          command: ["redis-server", "--requirepass", "Hunter2x", "--protected-mode", "no"]
          environment:
            REDIS_PASSWORD: 'Hunter2x'
            ALLOW_EMPTY_PASSWORD: "no"
            LOG_LEVEL: debug
            PIN: 123456
          healthcheck:
            test: |
              redis-cli -a Hunter2x ping
    `);
    const r = redacted('compose', input);
    expect(r.content).toBe(dedent(`
      # production
      services:
        cache:
          image: redis:7   # pinned below
          command: ["redis-server", "--requirepass", "[REDACTED]", "--protected-mode", "no"]
          environment:
            REDIS_PASSWORD: "[REDACTED]"
            ALLOW_EMPTY_PASSWORD: "no"
            LOG_LEVEL: debug
            PIN: "[REDACTED]"
          healthcheck:
            test: |
              redis-cli -a [REDACTED] ping
    `));
    expect(r.redactions.map((x) => x.location).sort()).toEqual([
      'services.cache.command[2]',
      'services.cache.environment.PIN',
      'services.cache.environment.REDIS_PASSWORD',
      'services.cache.healthcheck.test',
    ]);
  });

  it('writes JSON (which is YAML) when aliases make an in-place edit impossible, with the same paths', () => {
    const input = dedent(`
      x-env: &env
        DB_PASSWORD: Hunter2x
      services:
        web:
          image: shop
          environment:
            <<: *env
            NODE_ENV: production
    `);
    const out = text('compose', input);
    expect(out).not.toContain('Hunter2x');
    expect(load(out)).toEqual({
      'x-env': { DB_PASSWORD: PLACEHOLDER },
      services: { web: { image: 'shop', environment: { DB_PASSWORD: PLACEHOLDER, NODE_ENV: 'production' } } },
    });
  });

  it('redacts Secrets, ConfigMap passwords and the last-applied annotation of Kubernetes objects', () => {
    const input = dedent(`
      apiVersion: v1
      kind: Secret
      metadata:
        name: db
        annotations:
          kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Secret","stringData":{"password":"Hunter2x"}}'
      stringData: {password: Hunter2x, user: shop}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: cfg}
      data:
        app.ini: |
          [db]
          user = shop
          password = Cfg-Pa55-word
    `);
    const r = redacted('kubernetes', input);
    const docs = loadAll(String(r.content)) as Record<string, unknown>[];
    expect(JSON.stringify(docs)).not.toMatch(/Hunter2x|Cfg-Pa55-word/);
    expect(docs[0]).toMatchObject({ stringData: { password: PLACEHOLDER, user: PLACEHOLDER } });
    expect(String(r.content)).toContain('user = shop\n    password = [REDACTED]');
    expect(r.redactions).toEqual(expect.arrayContaining([
      { kind: 'secret-data', location: '[0].stringData.password' },
      { kind: 'secret-data', location: '[0].metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]' },
      { kind: 'secret-field', location: '[1].data["app.ini"]' },
    ]));
  });
});

describe('JSON', () => {
  it('redacts parsed JSON without touching the input, keeping own __proto__ keys', () => {
    const input = JSON.parse('[{"Id":"a","State":{},"__proto__":{"x":1},"Config":{"Env":["API_KEY=Hunter2x","PATH=/bin"]}}]') as unknown;
    const before = JSON.stringify(input);
    const r = redacted('docker-inspect', input);
    expect(JSON.stringify(input)).toBe(before);
    expect(r.content).toEqual(JSON.parse('[{"Id":"a","State":{},"__proto__":{"x":1},"Config":{"Env":["API_KEY=[REDACTED]","PATH=/bin"]}}]'));
    expect(r.redactions).toEqual([{ kind: 'env', location: '/0/Config/Env/0' }]);
  });

  it('writes JSON text back in its indentation, and returns text without secrets as given', () => {
    const input = '[\n    {\n        "Config": {\n            "Env": [\n                "TOKEN=Hunter2x"\n            ]\n        }\n    }\n]\n';
    expect(text('docker-image-inspect', input)).toBe(input.replace('Hunter2x', PLACEHOLDER));
    const clean = '[{"Config":{"Env":["PATH=/bin"]}}]';
    expect(text('docker-image-inspect', clean)).toBe(clean);
  });

  it('masks the strings of unreadable JSON, keeping positions, so the parser error quotes no secret', () => {
    const input = '[{"Config":{"Env":["POSTGRES_PASSWORD=Hunter2x"]}},]';
    const out = text('docker-inspect', input);
    expect(out).toHaveLength(input.length);
    expect(out).toBe('[{"Config":{"Env":["**************************"]}},]');
    expect(() => JSON.parse(out)).toThrow();
  });

  it('refuses JSON nested too deeply to write back', () => {
    const deep = `${'['.repeat(200_000)}{"Env":["API_KEY=Hunter2x"]}${']'.repeat(200_000)}`;
    expect(() => redactArtifact('docker-inspect', deep)).toThrow(RedactionError);
  });

  it('reads image history: build arguments and ENV instructions', () => {
    const image = [{ Id: 'sha256:ab', Config: {}, ContainerConfig: { Cmd: ['/bin/sh', '-c', '#(nop) ENV GREETING=hello'] }, History: [
      { created_by: 'RUN |2 NPM_TOKEN=Hunter2x NODE_ENV=production /bin/sh -c npm ci # buildkit' },
      { created_by: '/bin/sh -c #(nop)  ENV DB_PASSWORD=Hunter2y' },
      { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
    ] }];
    const out = redacted('docker-image-inspect', image).content as { History: { created_by: string }[]; ContainerConfig: { Cmd: string[] } }[];
    expect(out[0]?.ContainerConfig.Cmd).toEqual(['/bin/sh', '-c', '#(nop) ENV GREETING=[REDACTED]']);
    expect(out[0]?.History.map((h) => h.created_by)).toEqual([
      'RUN |2 NPM_TOKEN=[REDACTED] NODE_ENV=production /bin/sh -c npm ci # buildkit',
      '/bin/sh -c #(nop)  ENV DB_PASSWORD=[REDACTED]',
      '/bin/sh -c #(nop) ADD file:abc in / ',
    ]);
  });
});

describe('line-based kinds', () => {
  it('redacts process command lines line by line', () => {
    const input = 'USER PID COMMAND\nredis 1 redis-server *:6379 --requirepass Hunter2x "unclosed\nroot 2 mysqld --password=Hunter2y\n';
    expect(text('processes', input)).toBe('USER PID COMMAND\nredis 1 redis-server *:6379 --requirepass [REDACTED] "unclosed\nroot 2 mysqld --password=[REDACTED]\n');
  });

  it('redacts JSON event lines as JSON, keeping one event a line', () => {
    const input = '{"Type":"container","Action":"exec_start: sh -c mysql -pHunter2x","Actor":{"ID":"a","Attributes":{"name":"db"}},"time":1}\n';
    const r = redacted('docker-events', input);
    expect(r.content).toBe('{"Type":"container","Action":"exec_start: sh -c mysql -p[REDACTED]","Actor":{"ID":"a","Attributes":{"name":"db"}},"time":1}\n');
    expect(r.redactions).toEqual([{ kind: 'flag', location: 'line 1 /Action' }]);
  });
});

describe('the corpus', () => {
  const redactedCorpus = CORPUS.map((a) => ({ ...a, r: redactArtifact(a.kind, a.text) }));

  it('loses every planted secret, in every kind', () => {
    for (const a of redactedCorpus) {
      expect(a.r.redactions.length, a.kind).toBeGreaterThan(0);
      const out = String(a.r.content);
      for (const [where, secret] of Object.entries(PLANTED)) expect(out.includes(secret), `${where} in ${a.kind}`).toBe(false);
    }
  });

  it('is redacted once: redacting again changes nothing and finds nothing', () => {
    for (const a of redactedCorpus) {
      const again = redactArtifact(a.kind, a.r.content);
      expect(again, a.kind).toEqual({ content: a.r.content, redactions: [], counts: {} });
    }
  });

  it('decides every control as before, finding for finding', () => {
    const place = (kind: 'before' | 'after') => evaluate({
      artifacts: redactedCorpus.map((a) => ({ kind: a.kind, name: a.name, content: kind === 'before' ? a.text : a.r.content })),
    }).controls.map((c) => `${c.id} ${c.status} ${c.findings.map((f) => `${f.artifact}@${f.location}=${f.status}`).join(' ')}`);
    expect(place('after')).toEqual(place('before'));
  });
});

describe('an upload', () => {
  it('records redactions by artifact, and redacts CI metadata', () => {
    const r = redactUpload(
      [{ kind: 'compose', name: 'a.yaml', content: 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: x1\n' },
        { kind: 'compose', name: 'a.yaml', content: 'services:\n  db:\n    image: postgres\n' }],
      { pipelineUrl: 'https://ci:Hunter2x@ci.example.com/p/1', deployToken: 'abc', commit: 'abc123' },
    );
    expect(r.redactions).toEqual({
      total: 3,
      byKind: { env: 1, 'url-credential': 1, 'secret-field': 1 },
      items: [
        { artifact: 'a.yaml', kind: 'env', location: 'services.db.environment.POSTGRES_PASSWORD' },
        { artifact: null, kind: 'url-credential', location: 'ci.pipelineUrl' },
        { artifact: null, kind: 'secret-field', location: 'ci.deployToken' },
      ],
    });
    expect(r.ci).toEqual({ pipelineUrl: 'https://ci:[REDACTED]@ci.example.com/p/1', deployToken: PLACEHOLDER, commit: 'abc123' });
    expect(redactMetadata({ commit: 'abc' }).redactions).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('keeps values of names allowed by configuration', () => {
    const content = 'services:\n  web:\n    environment:\n      FEATURE: on\n      OTHER: x\n';
    expect(String(redactArtifact('compose', content, { allowEnv: ['FEATURE'] }).content)).toContain('FEATURE: on\n      OTHER: "[REDACTED]"');
  });
});
