using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using RedshiftIamra.Sandbox.Postgres;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// What a sandbox leaves on the machine while it runs (PostgreSQL, certificates in the user's
/// stores, a working directory with private keys), and how it goes away when the process that
/// started the sandbox ends without stopping it:
/// <list type="bullet">
/// <item>a normal exit (the script ends, <c>exit</c>, an unhandled error) stops every sandbox
/// still running, through <see cref="AppDomain.ProcessExit"/>;</item>
/// <item>a process killed outright (SIGKILL, Task Manager) cannot clean up, so each sandbox keeps an
/// owner file (<see cref="OwnerFileName"/>: the owner's pid and start time, PostgreSQL's folder and
/// the certificates it put in stores) in its working directory, and the next sandbox start in any
/// process reaps the working directories under the temporary folder whose owner is gone: stops
/// their PostgreSQL (pg_ctl stop -m immediate), removes their certificates from the stores by
/// thumbprint, and deletes the folder.</item>
/// </list>
/// </summary>
public static class SandboxLeftovers
{
    /// <summary>The owner file in a sandbox working directory.</summary>
    public const string OwnerFileName = "sandbox-owner.json";

    /// <summary>Default working directories are named this, under the temporary folder.</summary>
    public const string DirectoryPrefix = "redshift-iamra-sandbox-";

    private static readonly object s_gate = new();

    /// <summary>Writes the owner file of a sandbox starting in <paramref name="directory"/>.</summary>
    public static void WriteOwner(string directory) => Save(directory, new Owner
    {
        Pid = Environment.ProcessId,
        StartTimeUtcTicks = CurrentStartTicks(),
    });

    /// <summary>Records certificates the sandbox in <paramref name="directory"/> put into the current user's stores.</summary>
    public static void RecordStoreCertificates(string directory, string? myThumbprint, IEnumerable<string> caThumbprints)
    {
        lock (s_gate)
        {
            var owner = Read(Path.Combine(directory, OwnerFileName)) ?? new Owner { Pid = Environment.ProcessId, StartTimeUtcTicks = CurrentStartTicks() };
            if (myThumbprint is not null)
            {
                owner.My.Add(myThumbprint);
            }

            owner.CertificateAuthority.AddRange(caThumbprints);
            Save(directory, owner);
        }
    }

    /// <summary>Stops <paramref name="sandbox"/> when this process exits normally, if nothing stopped it before.</summary>
    public static void StopOnExit(SandboxHost sandbox) => RunningSandboxes.Current.Add(sandbox);

    /// <summary>
    /// Cleans up after sandboxes whose process died without stopping them (see the class
    /// summary); returns the working directories it removed. Never touches a sandbox whose owner
    /// process still runs.
    /// </summary>
    public static IReadOnlyList<string> Reap(string? root = null)
    {
        var removed = new List<string>();
        root ??= Path.GetTempPath();
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(root, DirectoryPrefix + "*").ToList();
        }
        catch (IOException)
        {
            return removed;
        }
        catch (UnauthorizedAccessException)
        {
            return removed;
        }

        foreach (var directory in candidates)
        {
            var owner = Read(Path.Combine(directory, OwnerFileName));
            if (owner is null || IsAlive(owner))
            {
                continue;
            }

            try
            {
                SandboxPostgres.StopLeftoverAsync(Path.Combine(directory, "postgres")).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // PostgreSQL already gone or its binaries missing: the folder still goes.
            }

            RemoveFromStore(StoreName.My, owner.My);
            RemoveFromStore(StoreName.CertificateAuthority, owner.CertificateAuthority);
            try
            {
                Directory.Delete(directory, recursive: true);
                removed.Add(directory);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return removed;
    }

    internal static void Forget(SandboxHost sandbox) => RunningSandboxes.Current.Remove(sandbox);

    private static bool IsAlive(Owner owner)
    {
        if (owner.Pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(owner.Pid);
            // A recycled pid belongs to another process: compare start times (to the second).
            return owner.StartTimeUtcTicks == 0 || Math.Abs(process.StartTime.ToUniversalTime().Ticks - owner.StartTimeUtcTicks) < TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static long CurrentStartTicks()
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return self.StartTime.ToUniversalTime().Ticks;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Removes certificates from a store of the current user by thumbprint; best effort.</summary>
    internal static void RemoveFromStore(StoreName name, IReadOnlyCollection<string> thumbprints)
    {
        if (thumbprints.Count == 0)
        {
            return;
        }

        try
        {
            using var store = new X509Store(name, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            foreach (var thumbprint in thumbprints)
            {
                foreach (var certificate in store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false))
                {
                    store.Remove(certificate);
                    certificate.Dispose();
                }
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
        }
    }

    private static Owner? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Owner>(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Save(string directory, Owner owner)
    {
        var path = Path.Combine(directory, OwnerFileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(owner));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed class Owner
    {
        public int Pid { get; set; }

        public long StartTimeUtcTicks { get; set; }

        public List<string> My { get; set; } = new();

        public List<string> CertificateAuthority { get; set; } = new();
    }
}
