using System.Text;

namespace RedshiftIamra.Aws;

/// <summary>
/// Edits the AWS shared config file (<c>~/.aws/config</c> or <c>AWS_CONFIG_FILE</c>) the
/// way a careful person would: only the named profile's keys change, every other line
/// (comments, other profiles, order, blank lines) stays as it was.
/// </summary>
public static class AwsConfigFile
{
    /// <summary>The config file path the AWS CLI and SDKs read.</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return ExpandHome(fromEnvironment);
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "config");
    }

    internal static string ExpandHome(string path) =>
        path.StartsWith('~') ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/', '\\')) : path;

    /// <summary>The section header of a profile: <c>[default]</c> or <c>[profile name]</c>.</summary>
    public static string SectionName(string profileName) => profileName == "default" ? "default" : "profile " + profileName;

    /// <summary>The error a file botocore cannot read gives (the AWS CLI would fail for every profile).</summary>
    public const string UnreadableErrorId = ErrorIds.AwsProfile.ConfigUnreadable;

    /// <summary>The error of a write whose result would not read back as intended (nothing is written).</summary>
    public const string WriteCheckFailedErrorId = ErrorIds.AwsProfile.ConfigWriteCheckFailed;

    /// <summary>
    /// Returns <paramref name="text"/> with the profile's keys set to <paramref name="values"/>,
    /// reading the file exactly as botocore does (see <see cref="AwsIniDocument"/>): the section
    /// botocore uses for the profile is changed (a key spelt <c>Region</c> or written
    /// <c>region: x</c> is replaced in place, with its continuation lines), keys it lacks are added
    /// after its last line, and a missing section is appended. Every other byte, line endings
    /// and comments included, stays as it was. The result is parsed again and must give the
    /// profile exactly <paramref name="values"/> and every other section exactly what it had.
    /// </summary>
    /// <exception cref="IamraException">The file is not readable by botocore
    /// (<see cref="UnreadableErrorId"/>), or a value cannot be one INI line.</exception>
    public static string SetProfile(string text, string profileName, IReadOnlyList<KeyValuePair<string, string>> values) =>
        SetProfile(text, profileName, values, "the AWS config file");

    internal static string SetProfile(string text, string profileName, IReadOnlyList<KeyValuePair<string, string>> values, string fileDescription, bool credentialsFile = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (key, value) in values)
        {
            CheckKey(key);
            IniValue(value, key);
        }

        var document = Parse(text, fileDescription);
        var newline = document.Newline;
        var lines = document.Lines;
        var section = credentialsFile ? document.Sections.LastOrDefault(s => s.Name == profileName) : document.ProfileSection(profileName);
        var replaced = new Dictionary<int, (int Last, string Line)>();
        var missing = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in values)
        {
            var option = section?.Options.FirstOrDefault(o => o.Key == key);
            if (option is null)
            {
                missing.Add(new(key, value));
                continue;
            }

            var content = lines[option.FirstLine].Content;
            var indent = content[..(content.Length - content.TrimStart().Length)];
            replaced[option.FirstLine] = (option.LastLine, $"{indent}{key} = {value}");
        }

        var output = new List<IniLine>();
        int insertAfter;
        if (section is null)
        {
            insertAfter = -1;
        }
        else
        {
            // After the section's last non-blank line (its header, a setting, a comment).
            var next = Enumerable.Range(section.HeaderLine + 1, lines.Count - section.HeaderLine - 1).FirstOrDefault(i => lines[i].Kind == IniLineKind.Section, lines.Count);
            insertAfter = section.HeaderLine;
            for (var i = section.HeaderLine + 1; i < next; i++)
            {
                if (lines[i].Kind != IniLineKind.Blank)
                {
                    insertAfter = i;
                }
            }
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var first = i;
            if (replaced.TryGetValue(i, out var replacement))
            {
                // The old value's lines go; comments and blank lines between them stay.
                output.Add(new IniLine(replacement.Line, lines[replacement.Last].Terminator));
                for (var j = i + 1; j <= replacement.Last; j++)
                {
                    if (lines[j].Kind is IniLineKind.Comment or IniLineKind.Blank)
                    {
                        if (output[^1].Terminator.Length == 0) output[^1].Terminator = newline;
                        output.Add(new IniLine(lines[j].Content, lines[j].Terminator));
                    }
                }

                i = replacement.Last;
            }
            else
            {
                output.Add(new IniLine(lines[i].Content, lines[i].Terminator));
            }

            if (section is not null && insertAfter >= first && insertAfter <= i && missing.Count > 0)
            {
                if (output[^1].Terminator.Length == 0) output[^1].Terminator = newline;
                output.AddRange(missing.Select(m => new IniLine($"{m.Key} = {m.Value}", newline)));
                missing.Clear();
            }
        }

        if (section is null)
        {
            if (output.Count > 0)
            {
                if (output[^1].Terminator.Length == 0) output[^1].Terminator = newline;
                if (AwsIniDocument.PyStrip(output[^1].Content).Length != 0) output.Add(new IniLine(string.Empty, newline));
            }

            output.Add(new IniLine(credentialsFile ? $"[{profileName}]" : $"[{SectionName(profileName)}]", newline));
            output.AddRange(missing.Select(m => new IniLine($"{m.Key} = {m.Value}", newline)));
        }

        var builder = new System.Text.StringBuilder();
        foreach (var line in output)
        {
            builder.Append(line.Content).Append(line.Terminator);
        }

        var result = builder.ToString();
        CheckResult(document, result, profileName, values, section, fileDescription, credentialsFile);
        return result;
    }

    /// <summary>
    /// The keys of one profile as botocore reads them (the section it uses for the profile,
    /// with <c>[DEFAULT]</c>'s keys); empty when there is none.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReadProfile(string text, string profileName)
    {
        var document = Parse(text, "the AWS config file");
        return document.ProfileSection(profileName) is { } section ? document.Values(section) : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// Sets the profile's keys in the config file at <paramref name="path"/> (see
    /// <see cref="SetProfile(string, string, IReadOnlyList{KeyValuePair{string, string}})"/>): serialised
    /// with every other RedshiftIamra writer by a lock file beside the file, through a symbolic
    /// link to its target (the link stays), atomically, keeping the file's permissions. A
    /// read-only file, a directory in the file's place, or a file botocore cannot read gives a
    /// clear error and nothing is written. Returns the path of the file written.
    /// </summary>
    public static string UpdateProfileFile(string path, string profileName, IReadOnlyList<KeyValuePair<string, string>> values, bool credentialsFile = false, TimeSpan? lockTimeout = null)
    {
        var what = credentialsFile ? "AWS shared credentials file" : "AWS config file";
        var target = AtomicFile.ResolveTarget(path, what, FileErrorIds.AwsConfigFile);
        using var fileLock = FileLock.Acquire(target, what, FileErrorIds.AwsConfigFile, lockTimeout);
        var text = AtomicFile.ReadTextIfExists(target, what, FileErrorIds.AwsConfigFile) ?? string.Empty;
        var updated = SetProfile(text, profileName, values, $"the {what} {target}", credentialsFile);
        AtomicFile.WriteAllText(target, updated, ownerOnly: true, keepExistingPermissions: true, errorIds: FileErrorIds.AwsConfigFile, what: what);
        return target;
    }

    internal static AwsIniDocument Parse(string text, string fileDescription)
    {
        try
        {
            return AwsIniDocument.Parse(text);
        }
        catch (AwsIniFormatException e)
        {
            throw new IamraException(UnreadableErrorId, IamraErrorCategory.InvalidData,
                $"{Capitalize(fileDescription)} cannot be read by the AWS CLI and SDKs ({e.Message}), so they fail for every profile in it. Fix that line first; nothing was changed.", fileDescription, e);
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static void CheckKey(string key)
    {
        if (key.Length == 0 || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{key}' is not a key this module writes (lower-case letters, digits and '_').", nameof(key));
        }
    }

    /// <summary>
    /// A value as one INI line must carry it: no line break or NUL (a line break would start a
    /// new line, even a new [section]), and no white space at either end (configparser strips it).
    /// </summary>
    public static string IniValue(string value, string key)
    {
        ArgumentNullException.ThrowIfNull(value);
        Quoting.QuotingErrors.Refuse(value, $"value of '{key}'", "an AWS config file line", c => c is '\r' or '\n' or '\0', "a line of an INI file cannot hold");
        if (value.Length > 0 && (AwsIniDocument.IsPySpace(value[0]) || AwsIniDocument.IsPySpace(value[^1])))
        {
            throw Quoting.QuotingErrors.Unquotable($"value of '{key}'", "an AWS config file line", "white space at its start or end", "botocore strips");
        }

        return value;
    }

    private static void CheckResult(AwsIniDocument before, string text, string profileName, IReadOnlyList<KeyValuePair<string, string>> values, IniSection? changed, string fileDescription, bool credentialsFile)
    {
        AwsIniDocument after;
        try
        {
            after = AwsIniDocument.Parse(text);
        }
        catch (AwsIniFormatException e)
        {
            throw CheckFailed(fileDescription, e.Message);
        }

        var target = credentialsFile ? after.Sections.LastOrDefault(s => s.Name == profileName) : after.ProfileSection(profileName);
        if (target is null)
        {
            throw CheckFailed(fileDescription, $"the profile '{profileName}' would not be found");
        }

        var expected = before.Values(changed ?? new IniSection(string.Empty, -1));
        foreach (var (key, value) in values)
        {
            expected[key] = value;
        }

        if (!SameValues(expected, after.Values(target)))
        {
            throw CheckFailed(fileDescription, $"the profile '{profileName}' would not read back as written");
        }

        var others = before.Sections.Where(s => s != changed).ToList();
        var otherAfter = after.Sections.Where(s => s.Name != target.Name).ToList();
        if (others.Count != otherAfter.Count || !SameValues(before.Values(before.Defaults), after.Values(after.Defaults))
            || others.Zip(otherAfter).Any(p => p.First.Name != p.Second.Name || !SameValues(before.Values(p.First), after.Values(p.Second))))
        {
            throw CheckFailed(fileDescription, "another section would change");
        }
    }

    private static bool SameValues(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private static IamraException CheckFailed(string fileDescription, string problem) =>
        new(WriteCheckFailedErrorId, IamraErrorCategory.InvalidResult,
            $"The change to {fileDescription} was not written: read back as the AWS CLI reads it, {problem}. Please report this with the file's layout (no secrets).", fileDescription);
}

/// <summary>The error ids of one kind of file (from <see cref="ErrorIds"/>), for <see cref="AtomicFile"/> and <see cref="FileLock"/>.</summary>
public sealed record FileErrorIds(string IsDirectory, string NotUtf8, string NotReadable, string ReadOnly, string NotWritable, string LockIsDirectory, string Locked)
{
    /// <summary>Files written for AWS tools: the credentials file, the session cache, a server's token.</summary>
    public static FileErrorIds File { get; } = new(ErrorIds.File.IsDirectory, ErrorIds.File.NotUtf8, ErrorIds.File.NotReadable, ErrorIds.File.ReadOnly, ErrorIds.File.NotWritable, ErrorIds.File.LockIsDirectory, ErrorIds.File.Locked);

    /// <summary>The AWS config and profile files.</summary>
    public static FileErrorIds AwsConfigFile { get; } = new(ErrorIds.AwsConfigFile.IsDirectory, ErrorIds.AwsConfigFile.NotUtf8, ErrorIds.AwsConfigFile.NotReadable, ErrorIds.AwsConfigFile.ReadOnly, ErrorIds.AwsConfigFile.NotWritable, ErrorIds.AwsConfigFile.LockIsDirectory, ErrorIds.AwsConfigFile.Locked);

    /// <summary>The file of saved configurations.</summary>
    public static FileErrorIds ConfigFile { get; } = new(ErrorIds.ConfigFile.IsDirectory, ErrorIds.ConfigFile.NotUtf8, ErrorIds.ConfigFile.NotReadable, ErrorIds.ConfigFile.ReadOnly, ErrorIds.ConfigFile.NotWritable, ErrorIds.ConfigFile.LockIsDirectory, ErrorIds.ConfigFile.Locked);
}

/// <summary>Writes files so that a reader sees the old content or the new, never half of it.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/>, flushes
    /// it, then renames it over the target. A new file gets owner-only permissions on Unix when
    /// <paramref name="ownerOnly"/>; an existing file keeps its permissions unless
    /// <paramref name="keepExistingPermissions"/> is false (then owner-only is applied to it too).
    /// A symbolic link is followed: its final target is written and the link stays (with
    /// <paramref name="followLinks"/> false, as for private caches, the link itself is replaced by
    /// a regular file and its target is left alone). A
    /// directory in the file's place, a read-only file and a file or folder that cannot be
    /// written (an immutable file, a read-only folder) give an <see cref="IamraException"/>
    /// whose id is the <c>IsDirectory</c>, <c>ReadOnly</c> or
    /// <c>NotWritable</c> id of <paramref name="errorIds"/> (<see cref="FileErrorIds.File"/> by default); the file is then unchanged.
    /// </summary>
    public static void WriteAllText(string path, string text, bool ownerOnly, bool keepExistingPermissions = true, FileErrorIds? errorIds = null, string what = "file", bool followLinks = true)
    {
        path = followLinks ? ResolveTarget(path, what, errorIds) : Path.GetFullPath(path);
        if (!followLinks && new FileInfo(path).LinkTarget is not null)
        {
            File.Delete(path);
        }

        var directory = Path.GetDirectoryName(path)!;
        var exists = File.Exists(path);
        if (exists && new FileInfo(path).IsReadOnly)
        {
            throw new IamraException((errorIds ?? FileErrorIds.File).ReadOnly, IamraErrorCategory.PermissionDenied,
                $"The {what} {path} is read-only, so it was not changed. Make it writable (chmod u+w, or clear the read-only attribute) if it may be changed, or write another file.", path);
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = exists && (keepExistingPermissions || !ownerOnly)
                    ? File.GetUnixFileMode(path)
                    : ownerOnly ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(path))
            {
                throw IsDirectory(path, what, errorIds);
            }

            throw new IamraException((errorIds ?? FileErrorIds.File).NotWritable, IamraErrorCategory.WriteError,
                $"The {what} {path} cannot be written ({e.Message}); it was not changed. Check that it is not immutable (lsattr) and that its folder is writable.", path, e);
        }
        finally
        {
            try
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder that refused the rename may refuse this too; nothing was replaced.
            }
        }
    }

    /// <summary>
    /// The file a write to <paramref name="path"/> must change: the final target of a symbolic
    /// link (a dangling link names the file to create), else the full path. A directory there
    /// is an error.
    /// </summary>
    public static string ResolveTarget(string path, string what = "file", FileErrorIds? errorIds = null)
    {
        var full = Path.GetFullPath(path);
        for (var hops = 0; hops < 40; hops++)
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not { } link)
            {
                break;
            }

            full = Path.GetFullPath(Path.IsPathRooted(link) ? link : Path.Combine(Path.GetDirectoryName(full)!, link));
        }

        if (Directory.Exists(full))
        {
            throw IsDirectory(full, what, errorIds);
        }

        return full;
    }

    /// <summary>The file's text (UTF-8, a byte order mark kept as U+FEFF), or null when there is no file.</summary>
    public static string? ReadTextIfExists(string path, string what = "file", FileErrorIds? errorIds = null)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw IsDirectory(path, what, errorIds);
            }

            if (!File.Exists(path))
            {
                return null;
            }

            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException e)
        {
            throw new IamraException((errorIds ?? FileErrorIds.File).NotUtf8, IamraErrorCategory.InvalidData,
                $"The {what} {path} is not UTF-8 text, so it was not changed. Save it as UTF-8.", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IamraException((errorIds ?? FileErrorIds.File).NotReadable, IamraErrorCategory.ReadError, $"The {what} {path} cannot be read ({e.Message}).", path, e);
        }
    }

    internal static IamraException IsDirectory(string path, string what, FileErrorIds? errorIds) =>
        new((errorIds ?? FileErrorIds.File).IsDirectory, IamraErrorCategory.InvalidData,
            $"The {what} {path} is a directory, not a file. Move the directory away (or name another file), then try again.", path);
}

/// <summary>
/// A lock between processes (and threads) over one file: <c>&lt;file&gt;.lock</c> held open
/// exclusively while the file is read, changed and written, so no writer loses another's change.
/// </summary>
public static class FileLock
{
    /// <summary>
    /// Waits up to <paramref name="timeout"/> (30 s by default) for the lock of <paramref name="path"/>.
    /// A holder keeps it for one read and one atomic write, and the operating system releases the
    /// lock of a process that died, so a long wait only ever means many writers on a busy machine
    /// (twenty concurrent writers on two loaded cores have waited over 10 s).
    /// </summary>
    public static IDisposable Acquire(string path, string what = "file", FileErrorIds? errorIds = null, TimeSpan? timeout = null, string? lockedErrorId = null)
    {
        var lockPath = path + ".lock";
        var wait = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + wait;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockPath))!);
        while (true)
        {
            if (Directory.Exists(lockPath))
            {
                throw new IamraException((errorIds ?? FileErrorIds.File).LockIsDirectory, IamraErrorCategory.InvalidData,
                    $"The lock file {lockPath} of the {what} is a directory, so the {what} cannot be changed safely. Remove that directory (no RedshiftIamra command uses it), then try again.", lockPath);
            }

            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                return new FileStream(lockPath, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && !Directory.Exists(lockPath))
            {
                Thread.Sleep(25 + Random.Shared.Next(50));
            }
            catch (UnauthorizedAccessException e) when (!Directory.Exists(lockPath))
            {
                throw new IamraException((errorIds ?? FileErrorIds.File).NotWritable, IamraErrorCategory.PermissionDenied,
                    $"The lock file {lockPath} of the {what} cannot be created or opened ({e.Message}). Check the folder's permissions.", lockPath, e);
            }
            catch (IOException e) when (!Directory.Exists(lockPath))
            {
                throw new IamraException(lockedErrorId ?? (errorIds ?? FileErrorIds.File).Locked, IamraErrorCategory.ResourceUnavailable,
                    $"The {what} {path} stayed locked by another process for {wait.TotalSeconds:0} s ({lockPath}). Try again; if no other RedshiftIamra command is running, delete the lock file.", path, e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It became a directory meanwhile: the check at the top reports it.
            }
        }
    }
}
