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

    /// <summary>
    /// Returns <paramref name="text"/> with the profile's keys set to <paramref name="values"/>
    /// (keys it already has are replaced in place, new ones appended to the section; a missing
    /// section is appended at the end). Line endings follow the file's own.
    /// </summary>
    public static string SetProfile(string text, string profileName, IReadOnlyList<KeyValuePair<string, string>> values) =>
        SetSection(text, SectionName(profileName), values);

    /// <summary>
    /// <see cref="SetProfile"/> for a section named as is: the shared credentials file names its
    /// sections by the bare profile name (<c>[onprem]</c>), with no <c>profile</c> prefix.
    /// </summary>
    public static string SetSection(string text, string sectionName, IReadOnlyList<KeyValuePair<string, string>> values)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Length == 0 ? new List<string>() : text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var wanted = sectionName;
        var start = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (TryReadSection(lines[i], out var name) && name == wanted)
            {
                start = i;
                break;
            }
        }

        if (start < 0)
        {
            if (lines.Count > 0 && lines[^1].Trim().Length != 0)
            {
                lines.Add(string.Empty);
            }

            lines.Add($"[{wanted}]");
            lines.AddRange(values.Select(v => $"{v.Key} = {v.Value}"));
        }
        else
        {
            var end = start + 1;
            while (end < lines.Count && !TryReadSection(lines[end], out _))
            {
                end++;
            }

            var remaining = values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
            for (var i = start + 1; i < end; i++)
            {
                var key = ReadKey(lines[i]);
                if (key is not null && remaining.Remove(key, out var value))
                {
                    lines[i] = $"{key} = {value}";
                }
            }

            // New keys go after the section's last non-blank line.
            var insertAt = end;
            while (insertAt > start + 1 && lines[insertAt - 1].Trim().Length == 0)
            {
                insertAt--;
            }

            lines.InsertRange(insertAt, values.Where(v => remaining.ContainsKey(v.Key)).Select(v => $"{v.Key} = {v.Value}"));
        }

        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.Append(line).Append(newline);
        }

        return builder.ToString();
    }

    /// <summary>The keys of one profile (for tests and for reading back).</summary>
    public static IReadOnlyDictionary<string, string> ReadProfile(string text, string profileName) => ReadSection(text, SectionName(profileName));

    /// <summary>The keys of a section named as is (a profile of the shared credentials file).</summary>
    public static IReadOnlyDictionary<string, string> ReadSection(string text, string sectionName)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var wanted = sectionName;
        var inside = false;
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (TryReadSection(line, out var name))
            {
                inside = name == wanted;
                continue;
            }

            var key = inside ? ReadKey(line) : null;
            if (key is not null)
            {
                result[key] = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim();
            }
        }

        return result;
    }

    private static bool TryReadSection(string line, out string name)
    {
        var trimmed = line.Trim();
        if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
        {
            name = string.Join(' ', trimmed[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            return true;
        }

        name = string.Empty;
        return false;
    }

    private static string? ReadKey(string line)
    {
        if (line.Length == 0 || char.IsWhiteSpace(line[0]) || line[0] is '#' or ';')
        {
            return null;
        }

        var equals = line.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? line[..equals].Trim() : null;
    }
}

/// <summary>Writes files so that a reader sees the old content or the new, never half of it.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/>, flushes
    /// it, then renames it over the target. A new file gets owner-only permissions on Unix when
    /// <paramref name="ownerOnly"/>; an existing file keeps its permissions unless
    /// <paramref name="keepExistingPermissions"/> is false (then owner-only is applied to it too).
    /// </summary>
    public static void WriteAllText(string path, string text, bool ownerOnly, bool keepExistingPermissions = true)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = File.Exists(path) && (keepExistingPermissions || !ownerOnly)
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
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
