/**
 * koffi bindings of libbpf.so.1: the only file that declares its functions. Loaded on
 * first use (create, events, stalls), never at import. Map keys and values are Buffers
 * (u64 read with readBigUInt64LE): koffi decodes u64 struct fields as Number or BigInt
 * depending on their size, which would change a counter's type over time.
 *
 * libbpf 1.x conventions: int-returning functions give -errno; pointer-returning ones
 * give NULL (koffi 3: null or 0n) and leave the error in errno. Its own errors are
 * >= 4000 (LIBBPF_ERRNO__*), which only libbpf_strerror names.
 */

/** Opaque libbpf objects, as koffi returns them. */
export type BpfPtr = unknown;

export interface Libbpf {
  /** bpf_object__open_file; null on failure (errno()). */
  openFile(path: string, objectName: string): BpfPtr | null;
  load(obj: BpfPtr): number;
  closeObject(obj: BpfPtr): void;
  findProgram(obj: BpfPtr, name: string): BpfPtr | null;
  setAutoload(prog: BpfPtr, on: boolean): number;
  /** bpf_program__attach; null on failure (errno()). */
  attach(prog: BpfPtr): BpfPtr | null;
  pinLink(link: BpfPtr, path: string): number;
  /** Closes the link's fd; a pinned link stays attached. */
  destroyLink(link: BpfPtr): number;
  findMap(obj: BpfPtr, name: string): BpfPtr | null;
  pinMap(map: BpfPtr, path: string): number;
  /** Where load() finds the map pinned (and reuses it, if compatible) or pins it. */
  setPinPath(map: BpfPtr, path: string): number;
  /** The map's definition as the object declares it (after open, before load). */
  mapDef(map: BpfPtr): { type: number; keySize: number; valueSize: number; maxEntries: number };
  mapFd(map: BpfPtr): number;
  /** bpf_obj_get: an fd of a pinned object, or -errno. */
  objGet(path: string): number;
  lookup(fd: number, key: Buffer, value: Buffer): number;
  update(fd: number, key: Buffer, value: Buffer, flags: number): number;
  remove(fd: number, key: Buffer): number;
  /** key null: the first key. Returns 0, or -ENOENT after the last. */
  nextKey(fd: number, key: Buffer | null, next: Buffer): number;
  /** bpf_obj_get_info_by_fd into info (its length is passed); returns 0 or -errno. */
  objInfo(fd: number, info: Buffer): number;
  progFdById(id: number): number;
  /** bpf_map_get_next_id: the next loaded map's id (system-wide) into next (u32); 0, or -ENOENT after the last. */
  mapNextId(start: number, next: Buffer): number;
  /** bpf_map_get_fd_by_id: an fd of a loaded map, or -errno. */
  mapFdById(id: number): number;
  errno(): number;
  strerror(err: number): string;
}

function isNull(p: unknown): boolean {
  return p === null || p === undefined || p === 0n || p === 0;
}

/** Loads libbpf.so.1, or throws an Error saying why (not installed, no koffi). */
export function loadLibbpf(): Libbpf {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libbpf.so.1');
  // Anonymous types: koffi's type names are process-wide, and this may load twice.
  const ptr = koffi.pointer(koffi.opaque());
  // struct bpf_object_open_opts of libbpf 1.1; .sz must be exactly its size.
  const openOpts = koffi.struct({
    sz: 'size_t', object_name: 'const char *', relaxed_maps: 'bool', pin_root_path: 'const char *',
    attach_prog_fd: 'uint32_t', kconfig: 'const char *', btf_custom_path: 'const char *',
    kernel_log_buf: 'void *', kernel_log_size: 'size_t', kernel_log_level: 'uint32_t',
  });
  const fn = {
    setPrint: lib.func('libbpf_set_print', 'void *', ['void *']),
    openFile: lib.func('bpf_object__open_file', ptr, ['const char *', koffi.pointer(openOpts)]),
    load: lib.func('bpf_object__load', 'int', [ptr]),
    close: lib.func('bpf_object__close', 'void', [ptr]),
    findProg: lib.func('bpf_object__find_program_by_name', ptr, [ptr, 'const char *']),
    setAutoload: lib.func('bpf_program__set_autoload', 'int', [ptr, 'bool']),
    attach: lib.func('bpf_program__attach', ptr, [ptr]),
    linkPin: lib.func('bpf_link__pin', 'int', [ptr, 'const char *']),
    linkDestroy: lib.func('bpf_link__destroy', 'int', [ptr]),
    findMap: lib.func('bpf_object__find_map_by_name', ptr, [ptr, 'const char *']),
    mapPin: lib.func('bpf_map__pin', 'int', [ptr, 'const char *']),
    mapFd: lib.func('bpf_map__fd', 'int', [ptr]),
    mapSetPinPath: lib.func('bpf_map__set_pin_path', 'int', [ptr, 'const char *']),
    mapType: lib.func('bpf_map__type', 'int', [ptr]),
    mapKeySize: lib.func('bpf_map__key_size', 'uint32_t', [ptr]),
    mapValueSize: lib.func('bpf_map__value_size', 'uint32_t', [ptr]),
    mapMaxEntries: lib.func('bpf_map__max_entries', 'uint32_t', [ptr]),
    objGet: lib.func('bpf_obj_get', 'int', ['const char *']),
    lookup: lib.func('bpf_map_lookup_elem', 'int', ['int', 'void *', 'void *']),
    update: lib.func('bpf_map_update_elem', 'int', ['int', 'void *', 'void *', 'uint64_t']),
    remove: lib.func('bpf_map_delete_elem', 'int', ['int', 'void *']),
    nextKey: lib.func('bpf_map_get_next_key', 'int', ['int', 'void *', 'void *']),
    objInfo: lib.func('bpf_obj_get_info_by_fd', 'int', ['int', 'void *', koffi.inout(koffi.pointer('uint32_t'))]),
    progFdById: lib.func('bpf_prog_get_fd_by_id', 'int', ['uint32_t']),
    mapNextId: lib.func('bpf_map_get_next_id', 'int', ['uint32_t', 'void *']),
    mapFdById: lib.func('bpf_map_get_fd_by_id', 'int', ['uint32_t']),
    strerror: lib.func('libbpf_strerror', 'int', ['int', 'void *', 'size_t']),
  };
  // libbpf prints warnings to stderr by default; tsrunc reports failures itself.
  fn.setPrint(null);
  const orNull = (p: unknown): BpfPtr | null => (isNull(p) ? null : p);
  return {
    openFile: (path, objectName) => orNull(fn.openFile(path, { sz: koffi.sizeof(openOpts), object_name: objectName })),
    load: (obj) => fn.load(obj) as number,
    closeObject: (obj) => { fn.close(obj); },
    findProgram: (obj, name) => orNull(fn.findProg(obj, name)),
    setAutoload: (prog, on) => fn.setAutoload(prog, on) as number,
    attach: (prog) => orNull(fn.attach(prog)),
    pinLink: (link, path) => fn.linkPin(link, path) as number,
    destroyLink: (link) => fn.linkDestroy(link) as number,
    findMap: (obj, name) => orNull(fn.findMap(obj, name)),
    pinMap: (map, path) => fn.mapPin(map, path) as number,
    mapFd: (map) => fn.mapFd(map) as number,
    setPinPath: (map, path) => fn.mapSetPinPath(map, path) as number,
    mapDef: (map) => ({
      type: fn.mapType(map) as number,
      keySize: fn.mapKeySize(map) as number,
      valueSize: fn.mapValueSize(map) as number,
      maxEntries: fn.mapMaxEntries(map) as number,
    }),
    objGet: (path) => {
      const r = fn.objGet(path) as number;
      return r >= 0 ? r : -koffi.errno();
    },
    lookup: (fd, key, value) => fn.lookup(fd, key, value) as number,
    update: (fd, key, value, flags) => fn.update(fd, key, value, BigInt(flags)) as number,
    remove: (fd, key) => fn.remove(fd, key) as number,
    nextKey: (fd, key, next) => fn.nextKey(fd, key, next) as number,
    objInfo: (fd, info) => fn.objInfo(fd, info, [info.length]) as number,
    progFdById: (id) => {
      const r = fn.progFdById(id) as number;
      return r >= 0 ? r : -koffi.errno();
    },
    mapNextId: (start, next) => {
      const r = fn.mapNextId(start, next) as number;
      return r >= 0 ? r : -koffi.errno();
    },
    mapFdById: (id) => {
      const r = fn.mapFdById(id) as number;
      return r >= 0 ? r : -koffi.errno();
    },
    errno: () => koffi.errno(),
    strerror(err) {
      const buf = Buffer.alloc(256);
      fn.strerror(Math.abs(err), buf, buf.length);
      const text = buf.toString('utf8', 0, Math.max(0, buf.indexOf(0)));
      return text || `error ${err}`;
    },
  };
}
