// The commands a kubeadm node needs, as the sim guest interprets them: the probe tools of the
// node-preparation steps (grep, sed -ri, swapon, modprobe, sysctl, dpkg-query, apt-mark, curl|gpg),
// the runtime (containerd, crictl) and kubeadm itself, which writes the files real kubeadm writes
// (/etc/kubernetes/admin.conf, pki/, manifests/, kubelet.conf) and drives the sim host's cluster
// registry (sim-clusters.ts). Tools from packages exist only once the package is installed.
import { certsCheckExpirationText, CONTAINERD_DEFAULT_CONFIG, initFacts, initSuccessText, JOINED_TEXT, joinFacts, kubeletConfigYaml, PREFLIGHT, preflightFailure, readKubeadmConfig, RESET_TEXT, STACK_HINT } from '../kubeadm/model.js';
import { SimClusterError, type SimClusters, type SimClusterVm } from './sim-clusters.js';
import { simBuiltinCommand, type SimCommandFn, type SimGuestState, type SimIo } from './sim-shell.js';

/** Package-provided tools: `command -v` finds them only after `apt-get install`. */
const PACKAGE_OF: Record<string, string> = { containerd: 'containerd', crictl: 'cri-tools', kubeadm: 'kubeadm', kubelet: 'kubelet', kubectl: 'kubectl', conntrack: 'conntrack', socat: 'socat', gpg: 'gpg', curl: 'curl' };
/** Packages a stock Ubuntu cloud image already has. */
const BASE_PACKAGES = new Set(['curl', 'gpg', 'ca-certificates', 'apt-transport-https']);

interface NodeExtras {
  versions?: Record<string, string>;
  holds?: string[];
  modules?: string[];
  swap?: boolean;
}

const extras = (st: SimGuestState): NodeExtras => ((st as SimGuestState & { node?: NodeExtras }).node ??= {});

/** POSIX bracket classes → JS. */
const jsRegex = (re: string, flags = '') => new RegExp(re.replace(/\[:space:\]/g, '\\s').replace(/\[:digit:\]/g, '0-9').replace(/\[:alnum:\]/g, 'A-Za-z0-9'), flags);

function installed(st: SimGuestState, pkg: string): boolean {
  return BASE_PACKAGES.has(pkg) || st.packages.includes(pkg);
}

/** The installed package's upstream version ("1.32.5" from "1.32.5-1.1"), undefined when not installed at a known version. */
function pkgVersion(st: SimGuestState, pkg: string): string | undefined {
  return st.packages.includes(pkg) ? extras(st).versions?.[pkg]?.replace(/-.*/, '') : undefined;
}

function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

const KUBE_PKG_VERSION: Record<string, string> = { '1.31': '1.31.9', '1.32': '1.32.5', '1.33': '1.33.1' };

export interface SimNodeContext {
  vm: SimClusterVm & { ip: string };
  clusters: SimClusters;
}

export function simNodeCommands(ctx: SimNodeContext): Record<string, SimCommandFn> {
  const gated = (name: string, fn: SimCommandFn): SimCommandFn =>
    function (this, args, io, st) {
      if (!installed(st, PACKAGE_OF[name] ?? name)) {
        io.err += `sim guest: ${name}: command not found\n`;
        return 127;
      }
      return fn.call(this, args, io, st);
    };
  const cmds: Record<string, SimCommandFn> = {
    command(args, io, st) {
      const name = args.filter((a) => !a.startsWith('-'))[0] ?? '';
      const pkg = PACKAGE_OF[name];
      if (!this.has(name) || (pkg && !installed(st, pkg))) return 1;
      io.out += `/usr/bin/${name}\n`;
      return 0;
    },
    export(args) {
      for (const a of args) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
        if (m) this.setVar(m[1]!, m[2]!);
      }
      return 0;
    },
    grep(args, io) {
      const flags = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join('');
      const rest = args.filter((a) => !/^-[a-zA-Z]+$/.test(a));
      const [pattern, ...files] = rest as [string, ...string[]];
      const fixed = flags.includes('F');
      const whole = flags.includes('x');
      const test = (line: string) => (fixed ? (whole ? line === pattern : line.includes(pattern)) : jsRegex(whole ? `^(?:${pattern})$` : pattern).test(line));
      let text = io.stdin;
      if (files.length) {
        const f = this.file(files[0]!);
        if (!f) {
          if (!flags.includes('s')) io.err += `grep: ${files[0]}: No such file or directory\n`;
          return 2;
        }
        text = f.content;
      }
      const hits = text.split('\n').filter((l, i, all) => (l || i < all.length - 1) && test(l));
      if (!flags.includes('q')) io.out += hits.map((l) => `${l}\n`).join('');
      return hits.length ? 0 : 1;
    },
    sed(args, io) {
      const inPlace = args.some((a) => /^-[a-z]*i/.test(a));
      const [expr, file] = args.filter((a) => !a.startsWith('-')) as [string, string | undefined];
      const m = /^(?:\/((?:\\.|[^/])*)\/)?s(.)(.*)$/s.exec(expr);
      if (!m) {
        io.err += `sim guest: sed: only s/…/…/ (with an optional /address/) is interpreted\n`;
        return 1;
      }
      const d = m[2]!;
      const parts = m[3]!.split(new RegExp(`(?<!\\\\)\\${d}`));
      const [pat, rep, flags = ''] = parts as [string, string, string?];
      const addr = m[1] ? jsRegex(m[1]) : undefined;
      const re = jsRegex(pat, flags.includes('g') ? 'g' : '');
      const jsRep = rep.replace(/\\(\d)/g, '$$$1').replace(/&/g, '$$&');
      const text = file ? this.file(file)?.content : io.stdin;
      if (text === undefined) {
        io.err += `sed: can't read ${file}: No such file or directory\n`;
        return 2;
      }
      const out = text.split('\n').map((l) => (!addr || addr.test(l) ? l.replace(re, jsRep) : l)).join('\n');
      if (inPlace && file) this.put(file, out);
      else io.out += out;
      return 0;
    },
    mv(args, io, st) {
      const paths = args.filter((a) => !a.startsWith('-'));
      const dest = paths.pop();
      if (!dest || !paths.length) {
        io.err += 'mv: missing file operand\n';
        return 1;
      }
      const intoDir = st.dirs.includes(dest.replace(/\/$/, ''));
      for (const src of paths) {
        const f = this.file(src);
        if (!f) {
          io.err += `mv: cannot stat '${src}': No such file or directory\n`;
          return 1;
        }
        const to = intoDir ? `${dest.replace(/\/$/, '')}/${src.slice(src.lastIndexOf('/') + 1)}` : dest;
        this.put(to, f.content, f.mode);
        delete st.files[src];
      }
      return 0;
    },
    // simulated time: a wait in a script (a static pod restart's fileCheckFrequency) passes at once
    sleep: () => 0,
    timeout(args, io) {
      const rest = args.filter((a, i) => i > 0 || !/^\d+[smh]?$/.test(a));
      return rest.length ? this.invoke(rest, io) : 125;
    },
    ip(args) {
      return args[0] === 'link' && args[1] === 'delete' ? 1 : 0; // no cilium links in the sim guest
    },
    swapon(_args, io, st) {
      if (extras(st).swap) io.out += '/swap.img file 2G 0B -2\n';
      return 0;
    },
    swapoff(_args, _io, st) {
      extras(st).swap = false;
      return 0;
    },
    modprobe(args, _io, st) {
      for (const m of args.filter((a) => !a.startsWith('-'))) {
        const d = `/sys/module/${m}`;
        if (!st.dirs.includes(d)) st.dirs.push(d);
      }
      return 0;
    },
    sysctl(args, io, st) {
      if (args.includes('--system')) return 0;
      const key = args.filter((a) => !a.startsWith('-'))[0] ?? '';
      for (const [path, f] of Object.entries(st.files)) {
        if (!path.startsWith('/etc/sysctl.d/')) continue;
        const m = new RegExp(`^${key.replace(/\./g, '\\.')}\\s*=\\s*(\\S+)`, 'm').exec(f.content);
        if (m) {
          io.out += `${m[1]}\n`;
          return 0;
        }
      }
      io.err += `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory\n`;
      return 255;
    },
    'dpkg-query'(args, io, st) {
      const pkg = args.at(-1)!;
      if (!st.packages.includes(pkg)) return 1;
      io.out += extras(st).versions?.[pkg] ?? '1.0-1';
      return 0;
    },
    'apt-mark'(args, io, st) {
      const e = extras(st);
      const [verb, ...pkgs] = args.filter((a) => !a.startsWith('-')) as [string, ...string[]];
      e.holds ??= [];
      if (verb === 'hold') for (const p of pkgs) if (!e.holds.includes(p)) e.holds.push(p);
      if (verb === 'unhold') e.holds = e.holds.filter((p) => !pkgs.includes(p));
      if (verb === 'showhold') io.out += e.holds.map((p) => `${p}\n`).join('');
      return 0;
    },
    'apt-get'(args, io, st) {
      if (args[0] === 'update') return 0;
      if (args[0] !== 'install') return 100;
      const e = extras(st);
      for (const spec of args.slice(1).filter((a) => !a.startsWith('-'))) {
        const [p, ver] = spec.split('=') as [string, string | undefined];
        if (e.holds?.includes(p) && !args.includes('--allow-change-held-packages')) {
          io.err += `E: Held packages were changed and -y was used without --allow-change-held-packages.\n`;
          return 100;
        }
        for (const q of p === 'kubeadm' ? [p, 'cri-tools'] : [p]) if (!st.packages.includes(q)) st.packages.push(q);
        if (ver) {
          const patch = ver.replace(/-\*$/, '');
          (e.versions ??= {})[p] = `${patch}-1.1`;
        }
      }
      return 0;
    },
    curl(_args, io) {
      io.out += '-----BEGIN PGP PUBLIC KEY BLOCK-----\nsim\n-----END PGP PUBLIC KEY BLOCK-----\n';
      return 0;
    },
    gpg(args, io) {
      const o = args.indexOf('-o');
      if (o >= 0) this.put(args[o + 1]!, `sim-keyring:${io.stdin.length}\n`);
      return 0;
    },
    containerd: gated('containerd', function (args, io) {
      if (args[0] === 'config' && args[1] === 'default') {
        io.out += CONTAINERD_DEFAULT_CONFIG;
        return 0;
      }
      return 0;
    }),
    // A kubelet restart after a package upgrade: the node's kubelet reports the installed version.
    systemctl(args, io, st) {
      const code = simBuiltinCommand('systemctl')!.call(this, args, io, st);
      if (code === 0 && args[0] === 'restart' && args.includes('kubelet')) {
        const v = pkgVersion(st, 'kubelet');
        if (v) ctx.clusters.restartKubelet(ctx.vm.name, v);
      }
      return code;
    },
    crictl: gated('crictl', () => 0),
    kubelet: gated('kubelet', (args, io, st) => {
      io.out += `Kubernetes v${extras(st).versions?.kubelet?.replace(/-.*/, '') ?? '1.31.9'}\n`;
      return 0;
    }),
    conntrack: gated('conntrack', () => 0),
    socat: gated('socat', () => 0),
    kubectl: gated('kubectl', (_a, io) => {
      io.err += 'sim guest: kubectl inside the guest is not simulated; use the kube port from the host\n';
      return 1;
    }),
    kubeadm: gated('kubeadm', function (args, io, st) {
      return kubeadm.call(this, ctx, args, io, st);
    }),
  };
  return cmds;
}

function kubeadm(this: ThisParameterType<SimCommandFn>, ctx: SimNodeContext, args: string[], io: SimIo, st: SimGuestState): number {
  const verb = args.filter((a) => !a.startsWith('-'))[0];
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const fail = (msg: string, code = 1) => {
    io.err += `${msg}\n${STACK_HINT}\n`;
    return code;
  };
  const put = (path: string, content: string, mode = 0o600) => this.put(path, content, mode);
  const mkdirs = (...ds: string[]) => ds.forEach((d) => st.dirs.includes(d) || st.dirs.push(d));
  try {
    if (verb === 'init' && args.filter((a) => !a.startsWith('-'))[1] === 'phase') {
      const [, , phase, what] = args.filter((a) => !a.startsWith('-'));
      if (phase !== 'certs' || what !== 'apiserver') return fail(`sim guest: kubeadm init phase ${phase ?? ''} ${what ?? ''}: not interpreted (certs apiserver)`);
      if (!this.file('/etc/kubernetes/pki/ca.crt')) return fail('[certs] couldn\'t load CA certificate ca: open /etc/kubernetes/pki/ca.crt: no such file or directory');
      // as kubeadm: an existing valid certificate is kept, so a re-issue needs the old one moved aside first
      if (this.file('/etc/kubernetes/pki/apiserver.crt')) {
        io.out += '[certs] Using existing apiserver certificate and key on disk\n';
        return 0;
      }
      const file = opt('--config');
      const text = file ? this.file(file)?.content : undefined;
      if (file && text === undefined) return fail(`open ${file}: no such file or directory`);
      const { init: initCfg, cluster: clusterCfg } = readKubeadmConfig(text);
      const address = String(opt('--apiserver-advertise-address') ?? initCfg.localAPIEndpoint?.advertiseAddress ?? ctx.vm.ip);
      const sans: string[] = [...(clusterCfg.apiServer?.certSANs ?? []), ...(opt('--apiserver-cert-extra-sans')?.split(',') ?? [])].map(String);
      const rec = ctx.clusters.ofVm(ctx.vm.name);
      if (!rec || rec.cpVm !== ctx.vm.name) return fail('[certs] this node is not a control plane the sim host knows');
      ctx.clusters.reissueApiServer(rec.address, address, sans);
      put('/etc/kubernetes/pki/apiserver.crt', `${this.file('/etc/kubernetes/pki/ca.crt')!.content}# sim: serving certificate for ${[address, ...sans].join(', ')}\n`, 0o644);
      put('/etc/kubernetes/pki/apiserver.key', 'sim: key material stays in the sim host\n');
      io.out += `[certs] Generating "apiserver" certificate and key\n[certs] apiserver serving cert is signed for DNS names [kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local ${sans.filter((x) => !/^[\d.]+$/.test(x)).join(' ')}] and IPs [10.96.0.1 ${[address, ...sans.filter((x) => /^[\d.]+$/.test(x) && x !== address)].join(' ')}]\n`;
      return 0;
    }
    if (verb === 'init') {
      const file = opt('--config');
      const text = file ? this.file(file)?.content : undefined;
      if (file && text === undefined) return fail(`open ${file}: no such file or directory`);
      const f = initFacts(readKubeadmConfig(text), st.hostname);
      ctx.clusters.countInit(ctx.vm.name);
      // preflight, as kubeadm's: never over an existing control plane
      const errs: string[] = [];
      if (this.file('/etc/kubernetes/manifests/kube-apiserver.yaml')) errs.push(PREFLIGHT.manifests);
      if (ctx.clusters.at(ctx.vm.ip)) errs.push(PREFLIGHT.port);
      if (extras(st).swap) errs.push(PREFLIGHT.swap);
      if (!st.dirs.includes('/sys/module/br_netfilter')) errs.push(PREFLIGHT.bridge);
      if (!st.services.containerd?.active) errs.push(PREFLIGHT.cri);
      if (errs.length) return fail(preflightFailure(errs));
      const { version, nodeName } = f;
      const { adminConf, caCert } = ctx.clusters.init(ctx.vm, { name: f.clusterName, nodeName, version, ...(f.podSubnet ? { podSubnet: f.podSubnet } : {}), ...(f.serviceSubnet ? { serviceSubnet: f.serviceSubnet } : {}) });
      mkdirs('/etc/kubernetes', '/etc/kubernetes/pki', '/etc/kubernetes/manifests', '/var/lib/etcd', '/var/lib/kubelet');
      put('/etc/kubernetes/pki/ca.crt', caCert, 0o644);
      put('/etc/kubernetes/pki/ca.key', 'sim: key material stays in the sim host\n');
      put('/etc/kubernetes/pki/apiserver.crt', caCert, 0o644);
      for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) put(`/etc/kubernetes/manifests/${c}.yaml`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${c}\n  namespace: kube-system\n`);
      put('/etc/kubernetes/admin.conf', adminConf);
      put('/etc/kubernetes/super-admin.conf', adminConf);
      put('/etc/kubernetes/kubelet.conf', adminConf);
      put('/etc/kubernetes/controller-manager.conf', adminConf);
      put('/etc/kubernetes/scheduler.conf', adminConf);
      put('/var/lib/kubelet/config.yaml', kubeletConfigYaml(), 0o644);
      st.services.kubelet = { enabled: true, active: true };
      io.out += initSuccessText(ctx.clusters.joinCommand(ctx.vm.ip));
      return 0;
    }
    if (verb === 'token') {
      if (!args.includes('--print-join-command')) return fail('sim guest: kubeadm token: only `create --print-join-command` is interpreted');
      if (!this.file('/etc/kubernetes/admin.conf')) return fail('failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory');
      if (!ctx.clusters.api(ctx.vm.ip)) return fail(`failed to create or update bootstrap token: dial tcp ${ctx.vm.ip}:6443: connect: connection refused`);
      io.out += `${ctx.clusters.joinCommand(ctx.vm.ip)}\n`;
      return 0;
    }
    if (verb === 'join') {
      const file = opt('--config');
      const text = file ? this.file(file)?.content : undefined;
      if (file && text === undefined) return fail(`open ${file}: no such file or directory`);
      const { endpoint, token, caHash, nodeName } = joinFacts(args, text, st.hostname);
      if (this.file('/etc/kubernetes/kubelet.conf')) return fail(preflightFailure([PREFLIGHT.kubeletConf]));
      if (!endpoint || !token) return fail('discovery: Invalid value: "": bootstrapToken or file must be set');
      if (!st.services.containerd?.active) return fail(preflightFailure([PREFLIGHT.cri]));
      const kubeletVersion = pkgVersion(st, 'kubelet');
      const { kubeletConf, caCert } = ctx.clusters.join(ctx.vm, { endpoint, token, ...(caHash ? { caHash } : {}), nodeName, ...(kubeletVersion ? { kubeletVersion } : {}) });
      mkdirs('/etc/kubernetes', '/etc/kubernetes/pki', '/etc/kubernetes/manifests', '/var/lib/kubelet');
      put('/etc/kubernetes/pki/ca.crt', caCert, 0o644);
      put('/etc/kubernetes/kubelet.conf', kubeletConf);
      put('/var/lib/kubelet/config.yaml', kubeletConfigYaml(), 0o644);
      st.services.kubelet = { enabled: true, active: true };
      io.out += JOINED_TEXT;
      return 0;
    }
    if (verb === 'reset') {
      ctx.clusters.reset(ctx.vm.name);
      for (const p of Object.keys(st.files)) if (p.startsWith('/etc/kubernetes/') || p.startsWith('/var/lib/kubelet/') || p.startsWith('/var/lib/etcd/')) delete st.files[p];
      st.dirs = st.dirs.filter((d) => !/^\/etc\/kubernetes\/(pki|manifests)$|^\/var\/lib\/etcd$/.test(d));
      if (st.services.kubelet) st.services.kubelet.active = false;
      io.out += RESET_TEXT;
      return 0;
    }
    if (verb === 'certs') {
      const sub = args.filter((a) => !a.startsWith('-'))[1];
      if (!this.file('/etc/kubernetes/pki/ca.crt')) return fail('open /etc/kubernetes/pki/ca.crt: no such file or directory');
      const rec = ctx.clusters.ofVm(ctx.vm.name);
      if (!rec || rec.cpVm !== ctx.vm.name) return fail('[certs] FATAL: failed to load admin kubeconfig: this node is not a control plane');
      if (sub === 'renew') {
        const what = args.filter((a) => !a.startsWith('-'))[2];
        if (what !== 'all') return fail(`sim guest: kubeadm certs renew ${what ?? ''}: only "all" is interpreted`);
        ctx.clusters.countCommand(`certs-renew:${ctx.vm.name}`);
        const { adminConf } = ctx.clusters.renewCerts(rec.address);
        for (const f of ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf']) put(`/etc/kubernetes/${f}`, adminConf);
        for (const c of ['admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf', 'etcd-healthcheck-client', 'etcd-peer', 'etcd-server', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf']) io.out += `certificate${c.endsWith('.conf') ? ` embedded in the kubeconfig file for ${c}` : ` for ${c}`} renewed\n`;
        io.out += '\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n';
        return 0;
      }
      if (sub === 'check-expiration') {
        const { certs, ca } = ctx.clusters.certExpiry(rec.address);
        io.out += certsCheckExpirationText(certs, ca);
        return 0;
      }
      return fail(`sim guest: kubeadm certs ${sub}: not interpreted (check-expiration, renew all)`);
    }
    if (verb === 'upgrade') {
      const words = args.filter((a) => !a.startsWith('-'));
      const sub = words[1];
      const kubeadmVersion = pkgVersion(st, 'kubeadm') ?? KUBE_PKG_VERSION['1.31']!;
      const rec = ctx.clusters.ofVm(ctx.vm.name);
      if (sub === 'plan' || sub === 'apply') {
        if (!this.file('/etc/kubernetes/admin.conf') || !rec || rec.cpVm !== ctx.vm.name) return fail('[upgrade/config] FATAL: failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory');
      }
      if (sub === 'plan') {
        io.out += `[upgrade/versions] Cluster version: ${rec!.version}
[upgrade/versions] kubeadm version: v${kubeadmVersion}

Upgrade to the latest version in the v${kubeadmVersion.split('.').slice(0, 2).join('.')} series:

COMPONENT                 NODE      CURRENT    TARGET
kube-apiserver            ${ctx.vm.name.padEnd(9)} v${rec!.version}   v${kubeadmVersion}

You can now apply the upgrade by executing the following command:

\tkubeadm upgrade apply v${kubeadmVersion}
`;
        return 0;
      }
      if (sub === 'apply') {
        const target = words[2]?.replace(/^v/, '');
        if (!target || !/^\d+\.\d+\.\d+$/.test(target)) return fail('[upgrade/version] FATAL: missing or invalid version argument, e.g. kubeadm upgrade apply v1.32.5');
        if (cmpVersion(target, kubeadmVersion) > 0) return fail(`[upgrade/version] FATAL: the specified version to upgrade to "v${target}" is higher than the kubeadm version "v${kubeadmVersion}". Upgrade kubeadm first using the tool you used to install kubeadm`);
        ctx.clusters.countCommand(`upgrade-apply:${ctx.vm.name}`);
        ctx.clusters.upgradeApply(ctx.vm.ip, target);
        for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) put(`/etc/kubernetes/manifests/${c}.yaml`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${c}\n  namespace: kube-system\nspec:\n  containers:\n  - name: ${c}\n    image: registry.k8s.io/${c}:v${target}\n`);
        io.out += `[upgrade/successful] SUCCESS! Your cluster was upgraded to "v${target}". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.\n`;
        return 0;
      }
      if (sub === 'node') {
        if (!this.file('/etc/kubernetes/kubelet.conf') || !rec) return fail('[upgrade] FATAL: failed to read /etc/kubernetes/kubelet.conf: no such file or directory');
        // kubeadm upgrade node reads the cluster's ClusterConfiguration: its kubeadm must not be newer than the control plane
        if (cmpVersion(kubeadmVersion, rec.version) > 0) return fail(`[upgrade] FATAL: the control plane runs v${rec.version}, older than this kubeadm (v${kubeadmVersion}); upgrade the control plane first with kubeadm upgrade apply`);
        io.out += '[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.\n';
        return 0;
      }
      return fail(`sim guest: kubeadm upgrade ${sub ?? ''}: not interpreted (plan, apply, node)`);
    }
    if (verb === 'version') {
      io.out += `kubeadm version: &version.Info{GitVersion:"v${extras(st).versions?.kubeadm?.replace(/-.*/, '') ?? KUBE_PKG_VERSION['1.31']}"}\n`;
      return 0;
    }
    return fail(`sim guest: kubeadm ${verb ?? ''}: not interpreted (init, join, reset, token create, certs, upgrade, version)`);
  } catch (e) {
    if (e instanceof SimClusterError) return fail(`error execution phase: ${e.message}`);
    throw e;
  }
}
