using Uip2p.Notebooks;

namespace Uip2p.Tests;

/// <summary>Paths the tests use: the repository, its build outputs and the shared fixtures (../shared from the root).</summary>
static class TestPaths
{
    public static string Repo { get; } = RepositoryRoot.Find();

    /// <summary>The oracle fixtures: UIP2P_ORACLE_DIR, else ../shared/fixtures/oracle from the repository root.</summary>
    public static string Oracle =>
        Environment.GetEnvironmentVariable("UIP2P_ORACLE_DIR") is { Length: > 0 } dir
            ? dir
            : Path.GetFullPath(Path.Combine(Repo, "..", "shared", "fixtures", "oracle"));

    /// <summary>The CLI's Release build (notebooks reference its Uip2p.dll); the test command builds it first.</summary>
    public static string CliBuild => Path.Combine(Repo, "src", "Uip2p.Cli", "bin", "Release", "net10.0");

    public static string CliDll
    {
        get
        {
            string dll = Path.Combine(CliBuild, "Uip2p.Cli.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build it with 'dotnet build src/Uip2p.Cli -c Release' (scripts/test.sh does).");
            return dll;
        }
    }

    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("uip2p-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
