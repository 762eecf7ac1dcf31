using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using TorchSharp;

namespace Uip2p.Runtime;

/// <summary>
/// Loads TorchSharp's native libraries and says where they came from.
/// In the CLI and the tests TorchSharp finds them next to the application. In a notebook kernel it
/// looks next to the kernel instead (DESIGN §4), so <see cref="LoadNativesFrom"/> loads them by
/// absolute path from the project's build output before TorchSharp initialises.
/// </summary>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool _loaded;
    static bool _resolverInstalled;

    /// <summary>The backend this build was restored for: <c>cpu</c> or <c>cuda</c> (MSBuild property TorchBackend).</summary>
    public static string Backend =>
        typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TorchBackend")?.Value ?? "cpu";

    /// <summary>The TorchSharp package version, e.g. <c>0.107.0</c>.</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The LibTorch version the natives were built from (TorchSharp's <c>torch.__version__</c>).</summary>
    public static string LibTorchVersion
    {
        get { EnsureLoaded(); return torch.__version__; }
    }

    /// <summary>Initialises TorchSharp once, with a message that names the known causes when it fails.</summary>
    public static void EnsureLoaded()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    "TorchSharp's native libraries could not be loaded. " +
                    "On Debian 12 the usual cause is libLibTorchSharp.so's need of GLIBCXX_3.4.32: build the project with " +
                    "'dotnet build' (the build marks that need weak). In a notebook, call Uip2p.Notebooks.Workbench.Setup(...) " +
                    "with the build output folder before any tensor is made. Original error: " + e.Message, e);
            }
            ConfigureBackends();
            _loaded = true;
        }
    }

    /// <summary>
    /// Turns LibTorch's NNPACK convolutions off: on CPUs NNPACK does not support (most x86 servers) LibTorch
    /// prints "Could not initialize NNPACK! Reason: Unsupported hardware." for every small convolution, and it
    /// only ever serves batches of 16+. TorchSharp has no binding for the switch, so the exported C++ setter
    /// is called (Itanium ABI: <c>at::globalContext()</c>, then <c>Context::setUserEnabledNNPACK(bool)</c> with
    /// the context as <c>this</c>); where the symbols are missing nothing happens. <c>UIP2P_KEEP_NNPACK=1</c> keeps it.
    /// </summary>
    static unsafe void ConfigureBackends()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out IntPtr handle)) return;
        if (!NativeLibrary.TryGetExport(handle, "_ZN2at13globalContextEv", out IntPtr global)) return;
        if (Environment.GetEnvironmentVariable("UIP2P_KEEP_NNPACK") != "1" &&
            NativeLibrary.TryGetExport(handle, "_ZN2at7Context20setUserEnabledNNPACKEb", out IntPtr setNnpack))
            ((delegate* unmanaged<IntPtr, byte, void>)setNnpack)(((delegate* unmanaged<IntPtr>)global)(), 0);
    }

    /// <summary>
    /// Loads LibTorch and libLibTorchSharp by absolute path from a build-output folder (its root or
    /// <c>runtimes/&lt;rid&gt;/native</c>), then initialises TorchSharp. Must run before the first tensor.
    /// Returns the folder the natives were loaded from.
    /// </summary>
    public static string LoadNativesFrom(string buildOutput)
    {
        string dir = FindNativeDirectory(buildOutput)
            ?? throw new DirectoryNotFoundException(
                $"No {NativeFileName("LibTorchSharp")} under '{Path.GetFullPath(buildOutput)}' (looked in the folder and in runtimes/{RuntimeInformation.RuntimeIdentifier}/native). " +
                "Build the project first: dotnet build src/Uip2p.Cli -c Release.");
        lock (Gate)
        {
            // Order matters only where the loader cannot resolve dependencies itself (Windows); on
            // Linux the libraries' $ORIGIN run path finds the rest next to libLibTorchSharp.
            foreach (string name in new[] { "c10", "torch_cpu", "c10_cuda", "torch_cuda", "torch", "LibTorchSharp" })
            {
                string path = Path.Combine(dir, NativeFileName(name));
                if (File.Exists(path)) NativeLibrary.Load(path);
            }
            // SkiaSharp/HarfBuzzSharp (figures) look next to the kernel too; their sonames carry a
            // version, so a preload is not found by name: resolve them from this folder on demand.
            if (!_resolverInstalled)
            {
                // The kernel's script loader loads an assembly again, into a context of its own, when a
                // reference asks for another version (TorchSharp asks for SkiaSharp 2.88, we ship 3.119):
                // every copy of these assemblies, now or later, gets the resolver.
                foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Append(typeof(SkiaSharp.SKTypeface).Assembly).Append(typeof(torch).Assembly).Distinct())
                    InstallResolver(assembly, dir);
                AppDomain.CurrentDomain.AssemblyLoad += (_, e) => InstallResolver(e.LoadedAssembly, dir);
                _resolverInstalled = true;
            }
        }
        EnsureLoaded();
        return dir;
    }

    /// <summary>Where LibTorchSharp was loaded from in this process (Linux: read from /proc/self/maps).</summary>
    public static string NativeLocation
    {
        get
        {
            EnsureLoaded();
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/maps")) return "(not known on this OS)";
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int at = line.IndexOf('/');
                if (at >= 0 && line.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal))
                    return Path.GetDirectoryName(line[at..]) ?? line[at..];
            }
            return "(not found in /proc/self/maps)";
        }
    }

    static readonly HashSet<string> NativeUsers = ["SkiaSharp", "HarfBuzzSharp", "TorchSharp"];

    static void InstallResolver(Assembly assembly, string dir)
    {
        if (!NativeUsers.Contains(assembly.GetName().Name ?? "")) return;
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => ResolveFrom(dir, name));
        }
        catch (InvalidOperationException)
        {
            // This copy already has a resolver (ours, or the library's own): add ours to its load context's event.
            var context = AssemblyLoadContext.GetLoadContext(assembly) ?? AssemblyLoadContext.Default;
            context.ResolvingUnmanagedDll += (_, name) => ResolveFrom(dir, name);
        }
    }

    static IntPtr ResolveFrom(string dir, string name)
    {
        foreach (string file in new[] { name, NativeFileName(name), name + ".so", name + ".dylib", name + ".dll" })
        {
            string path = Path.Combine(dir, file);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out IntPtr handle)) return handle;
        }
        return IntPtr.Zero;
    }

    static string? FindNativeDirectory(string root)
    {
        if (!Directory.Exists(root)) return null;
        string file = NativeFileName("LibTorchSharp");
        foreach (string dir in new[] { root, Path.Combine(root, "runtimes", RuntimeInformation.RuntimeIdentifier, "native") })
            if (File.Exists(Path.Combine(dir, file))) return Path.GetFullPath(dir);
        return null;
    }

    static string NativeFileName(string name) =>
        OperatingSystem.IsWindows() ? name + ".dll" : OperatingSystem.IsMacOS() ? "lib" + name + ".dylib" : "lib" + name + ".so";
}
