// Marks one symbol-version need of an ELF shared library as WEAK (VER_FLG_WEAK = 0x2).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 (GCC 13) among the versions it
// needs from libstdc++.so.6, only for the marker symbol std::ios_base_library_init that nothing
// calls. Debian 12 ships GLIBCXX_3.4.30, so the dynamic loader refuses the library and TorchSharp
// reports a misleading "doesn't contain a reference to libtorch-cpu-linux-x64". A weak version need
// lets the loader go on when the version is missing; nothing else in the file changes.
//
// This one file is compiled twice: by MSBuild's RoslynCodeTaskFactory (build/TorchNatives.targets,
// which uses the task at the bottom) and into the tests (with UIP2P_NO_MSBUILD defined).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Uip2p.Build
{
    /// <summary>What happened to one file.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The version need was strong and is now weak.</summary>
        Patched,
        /// <summary>The version need was already weak (an earlier build patched it).</summary>
        AlreadyWeak,
        /// <summary>The file does not need the version at all.</summary>
        NotNeeded,
    }

    /// <summary>Reads and edits the <c>.gnu.version_r</c> (SHT_GNU_verneed) table of a 64-bit little-endian ELF file.</summary>
    public static class ElfVersionNeeds
    {
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>One entry of the version-need table.</summary>
        public sealed class Need
        {
            public Need(string file, string version, ushort flags, long flagsOffset)
            {
                File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset;
            }
            /// <summary>The library the version is needed from, e.g. <c>libstdc++.so.6</c>.</summary>
            public string File { get; }
            /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
            public string Version { get; }
            /// <summary>The <c>vna_flags</c> field.</summary>
            public ushort Flags { get; }
            /// <summary>File offset of <c>vna_flags</c>.</summary>
            public long FlagsOffset { get; }
            public bool IsWeak => (Flags & VerFlgWeak) != 0;
        }

        /// <summary>Lists every version need of an ELF image.</summary>
        public static List<Need> Read(byte[] elf, string nameForErrors)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{nameForErrors}: not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{nameForErrors}: only 64-bit little-endian ELF files are supported.");

            long shoff = (long)U64(elf, 0x28, nameForErrors);
            int shentsize = U16(elf, 0x3A, nameForErrors);
            int shnum = U16(elf, 0x3C, nameForErrors);
            var needs = new List<Need>();
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (U32(elf, sh + 4, nameForErrors) != ShtGnuVerneed) continue;

                long offset = (long)U64(elf, sh + 0x18, nameForErrors);
                uint link = U32(elf, sh + 0x28, nameForErrors);
                uint count = U32(elf, sh + 0x2C, nameForErrors);
                long strtab = (long)U64(elf, shoff + link * (long)shentsize + 0x18, nameForErrors);

                long vn = offset;
                for (uint n = 0; n < count; n++)
                {
                    int cnt = U16(elf, vn + 2, nameForErrors);
                    string file = CString(elf, strtab + U32(elf, vn + 4, nameForErrors), nameForErrors);
                    long vna = vn + U32(elf, vn + 8, nameForErrors);
                    for (int a = 0; a < cnt; a++)
                    {
                        ushort flags = U16(elf, vna + 4, nameForErrors);
                        string version = CString(elf, strtab + U32(elf, vna + 8, nameForErrors), nameForErrors);
                        needs.Add(new Need(file, version, flags, vna + 4));
                        uint nextAux = U32(elf, vna + 12, nameForErrors);
                        if (nextAux == 0) break;
                        vna += nextAux;
                    }
                    uint next = U32(elf, vn + 12, nameForErrors);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return needs;
        }

        /// <summary>
        /// Marks the need of <paramref name="version"/> weak in the file at <paramref name="path"/>.
        /// Writes a temporary copy and renames it over the original (keeping its timestamp, so that
        /// MSBuild's incremental copy does not overwrite the patched file with the original again).
        /// </summary>
        public static ElfPatchOutcome MarkWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            bool found = false, changed = false;
            foreach (var need in Read(elf, path))
            {
                if (need.Version != version) continue;
                found = true;
                if (need.IsWeak) continue;
                ushort flags = (ushort)(need.Flags | VerFlgWeak);
                elf[need.FlagsOffset] = (byte)(flags & 0xff);
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed = true;
            }
            if (!found) return ElfPatchOutcome.NotNeeded;
            if (!changed) return ElfPatchOutcome.AlreadyWeak;

            var stamp = File.GetLastWriteTimeUtc(path);
            string temp = path + ".uip2p-tmp";
            File.WriteAllBytes(temp, elf);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Replace(temp, path, null); // a rename: the original is never half-written
            return ElfPatchOutcome.Patched;
        }

        /// <summary>
        /// Whether a libstdc++.so.6 of this system already defines <paramref name="version"/>
        /// (then nothing needs patching). Looks where the dynamic loader looks on common distributions.
        /// </summary>
        public static string? SystemLibraryDefining(string library, string version)
        {
            var dirs = new List<string>();
            string? ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ldPath)) dirs.AddRange(ldPath.Split(':'));
            dirs.AddRange(new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" });
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            foreach (string dir in dirs)
            {
                string candidate = Path.Combine(dir, library);
                if (!File.Exists(candidate)) continue;
                return Contains(File.ReadAllBytes(candidate), needle) ? candidate : null;
            }
            return null;
        }

        static bool Contains(byte[] haystack, byte[] needle)
        {
            // Compiled against netstandard2.0 by MSBuild's task factory: no span helpers there.
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        static ushort U16(byte[] b, long at, string name) { Check(b, at, 2, name); return (ushort)(b[at] | b[at + 1] << 8); }
        static uint U32(byte[] b, long at, string name) { Check(b, at, 4, name); return BitConverter.ToUInt32(b, (int)at); }
        static ulong U64(byte[] b, long at, string name) { Check(b, at, 8, name); return BitConverter.ToUInt64(b, (int)at); }

        static string CString(byte[] b, long at, string name)
        {
            Check(b, at, 1, name);
            long end = at;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
        }

        static void Check(byte[] b, long at, int size, string name)
        {
            if (at < 0 || at + size > b.Length)
                throw new InvalidDataException($"{name}: truncated or malformed ELF file (offset {at} is outside its {b.Length} bytes).");
        }
    }

#if !UIP2P_NO_MSBUILD
    /// <summary>MSBuild task: marks <see cref="Version"/> weak in every given file, once, with a message.</summary>
    public class MarkElfVersionNeedWeak : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required]
        public string Version { get; set; } = "";

        public string Library { get; set; } = "libstdc++.so.6";

        public override bool Execute()
        {
            if (Files.Length == 0) return true;
            string? system = ElfVersionNeeds.SystemLibraryDefining(Library, Version);
            if (system != null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                    $"uip2p: {system} defines {Version}; TorchSharp's natives load as they are, nothing patched.");
                return true;
            }
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    var outcome = ElfVersionNeeds.MarkWeak(path, Version);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            $"uip2p: marked the {Version} need of {path} weak (this system's {Library} lacks it; see DESIGN §4).");
                    else
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"uip2p: {path}: {outcome}.");
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"uip2p: could not patch {path}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
