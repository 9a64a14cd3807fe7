/*
 * 70-modules.js - CommonJS modules, as Node has them: require(), module.exports and
 * exports, the module cache (require.cache, keyed by id: deleting an entry makes the next
 * require load the module again), cycles (a module required while it is still loading
 * gets its exports as they are so far), require.resolve, require.main, JSON modules
 * (module.exports is the parsed value). Where a module is and what its source is come from
 * the host's loader (lib/engine/modules.c: rt_config.modules; the CLI uses the file
 * system). A module runs as function (exports, require, module, __filename, __dirname)
 * with `this` === module.exports.
 *
 * Global scripts get a global `require` (only when a loader is configured) that resolves
 * from the file of the function that calls it. The C side calls native.requireMain
 * (rt_eval_module) and native.evalModule (rt_eval with RT_EVAL_MODULE).
 */
var resolveId = native.modResolve;
var loadSource = native.modLoad;
var compileModule = native.modCompile;
var callerFile = native.callerFile;
var cache = {};
var mainModule;

function dirname(id) {
    var i = id.lastIndexOf('/');
    if (i < 0) return '.';
    return i === 0 ? '/' : id.slice(0, i);
}

function Module(id, parent) {
    this.id = id;
    this.filename = id;
    this.loaded = false;
    this.exports = {};
    this.parent = parent;
    this.children = [];
    this.require = makeRequire(this);
}

function argError(request) {
    var e;
    if (typeof request !== 'string') {
        e = new TypeError('The "id" argument must be of type string. Received ' +
                          (request === null ? 'null' : typeof request));
        e.code = 'ERR_INVALID_ARG_TYPE';
        return e;
    }
    e = new TypeError("The argument 'id' must be a non-empty string. Received ''");
    e.code = 'ERR_INVALID_ARG_VALUE';
    return e;
}

function stripBOM(s) {
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/* Run module m (cached before it runs, so cycles see it; taken out again if it throws). */
function run(m, parent, source) {
    cache[m.id] = m;
    if (parent) parent.children.push(m);
    var ok = false;
    try {
        if (/\.json$/i.test(m.id)) {
            var text = source !== undefined ? source : loadSource(m.id);
            try {
                m.exports = JSON.parse(stripBOM(text));
            } catch (e) {
                e.message = m.id + ': ' + e.message;
                throw e;
            }
        } else {
            var fn = compileModule(source !== undefined ? source : loadSource(m.id), m.id);
            fn.call(m.exports, m.exports, m.require, m, m.filename, dirname(m.filename));
        }
        ok = true;
    } finally {
        if (!ok) {
            if (cache[m.id] === m) delete cache[m.id];
            if (parent) {
                var k = parent.children.lastIndexOf(m);
                if (k >= 0) parent.children.splice(k, 1);
            }
        }
    }
    m.loaded = true;
    return m.exports;
}

function load(request, parent, parentId) {
    if (typeof request !== 'string' || request === '') throw argError(request);
    var id = resolveId(parentId, request);
    var m = Object.prototype.hasOwnProperty.call(cache, id) ? cache[id] : undefined;
    if (m) {
        if (parent && parent.children.indexOf(m) < 0) parent.children.push(m);
        return m.exports;
    }
    return run(new Module(id, parent), parent);
}

function getMain() { return mainModule; }

function makeRequire(m) {
    function require(request) {
        return load(request, m, m.id);
    }
    require.resolve = function resolve(request) {
        if (typeof request !== 'string' || request === '') throw argError(request);
        return resolveId(m.id, request);
    };
    require.cache = cache;
    Object.defineProperty(require, 'main', {get: getMain, enumerable: true, configurable: true});
    return require;
}

native.requireMain = function (request) {
    if (typeof request !== 'string' || request === '') throw argError(request);
    var id = resolveId(null, request);
    var m = Object.prototype.hasOwnProperty.call(cache, id) ? cache[id] : undefined;
    if (m) return m.exports;
    m = new Module(id, null);
    mainModule = m;
    return run(m, null);
};

native.evalModule = function (source, id) {
    return run(new Module(id, null), null, source);
};

if (native.haveLoader) {
    var globalRequire = function require(request) {
        return load(request, null, callerFile());
    };
    globalRequire.resolve = function resolve(request) {
        if (typeof request !== 'string' || request === '') throw argError(request);
        return resolveId(callerFile(), request);
    };
    globalRequire.cache = cache;
    Object.defineProperty(globalRequire, 'main', {get: getMain, enumerable: true,
                                                  configurable: true});
    Object.defineProperty(global, 'require', {value: globalRequire, writable: true,
                                              enumerable: false, configurable: true});
}
