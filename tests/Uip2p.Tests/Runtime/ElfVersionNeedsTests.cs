using Uip2p.Build;

namespace Uip2p.Tests.Runtime;

/// <summary>The build-time GLIBCXX_3.4.32 fix, on the real libLibTorchSharp.so from the TorchSharp package.</summary>
public class ElfVersionNeedsTests
{
    const string Version = "GLIBCXX_3.4.32";

    static string PackagedLibrary()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"{path} missing: the TorchSharp package is restored by the build.");
        return path;
    }

    [Fact]
    public void Packaged_library_needs_the_version_strongly()
    {
        var needs = ElfVersionNeeds.Read(File.ReadAllBytes(PackagedLibrary()), "libLibTorchSharp.so");
        var need = Assert.Single(needs, n => n.Version == Version);
        Assert.Equal("libstdc++.so.6", need.File);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.Version == "GLIBC_2.2.5");
    }

    [Fact]
    public void Marking_weak_changes_only_that_flag_and_is_idempotent()
    {
        using var dir = new TempDir();
        string copy = dir.File("libLibTorchSharp.so");
        File.Copy(PackagedLibrary(), copy);
        byte[] before = File.ReadAllBytes(copy);
        var stamp = File.GetLastWriteTimeUtc(copy);

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeeds.MarkWeak(copy, Version));
        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var need = ElfVersionNeeds.Read(after, copy).Single(n => n.Version == Version);
        Assert.Equal([need.FlagsOffset], changed.Select(i => (long)i));
        Assert.True(need.IsWeak);
        Assert.All(ElfVersionNeeds.Read(after, copy).Where(n => n.Version != Version), n => Assert.False(n.IsWeak));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy)); // so MSBuild's incremental copy keeps the patched file

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeeds.MarkWeak(copy, Version));
        Assert.Equal(after, File.ReadAllBytes(copy));
        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeeds.MarkWeak(copy, "GLIBCXX_9.9.9"));
        Assert.Empty(Directory.GetFiles(dir.Path, "*tmp*"));
    }

    [Fact]
    public void Build_output_is_patched_unless_the_system_has_the_version()
    {
        string built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var need = ElfVersionNeeds.Read(File.ReadAllBytes(built), built).Single(n => n.Version == Version);
        bool systemHasIt = ElfVersionNeeds.SystemLibraryDefining("libstdc++.so.6", Version) != null;
        Assert.True(need.IsWeak || systemHasIt, $"{built} still needs {Version} strongly and this system's libstdc++ lacks it.");
    }

    [Fact]
    public void Not_an_elf_file_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        string path = dir.File("fake.so");
        File.WriteAllText(path, "this is not a shared library");
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(path, Version));
        Assert.Contains(path, e.Message);
        Assert.Equal("this is not a shared library", File.ReadAllText(path));
    }

    [Fact]
    public void Truncated_elf_file_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        string path = dir.File("cut.so");
        File.WriteAllBytes(path, File.ReadAllBytes(PackagedLibrary())[..4096]);
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(path, Version));
        Assert.Contains("cut.so", e.Message);
    }
}
