using System.Text.RegularExpressions;

namespace Eventing.Tests;

/// <summary>One table of log event ids for all packages (docs/logging.md), and the code keeps to it.</summary>
public sealed partial class LogEventIdTests
{
    [Fact]
    public void Every_log_event_id_lies_in_its_packages_range_and_is_used_once()
    {
        var root = ShippedCodeTests.RepositoryRoot();
        var ranges = new Dictionary<string, (int From, int To)>(StringComparer.Ordinal);
        foreach (Match row in TableRow().Matches(File.ReadAllText(Path.Combine(root, "docs", "logging.md"))))
        {
            ranges[row.Groups["package"].Value] = (int.Parse(row.Groups["from"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(row.Groups["to"].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Contains("Eventing", ranges.Keys);
        var seen = new Dictionary<int, string>();
        var problems = new List<string>();
        var count = 0;
        foreach (var folder in new[] { "src", "providers" })
        {
            foreach (var project in Directory.EnumerateDirectories(Path.Combine(root, folder)))
            {
                var package = Path.GetFileName(project);
                foreach (var file in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
                {
                    if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    foreach (Match message in LoggerMessage().Matches(File.ReadAllText(file)))
                    {
                        count++;
                        var id = int.Parse(message.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture);
                        var where = $"{Path.GetRelativePath(root, file)} id {id}";
                        if (!ranges.TryGetValue(package, out var range))
                        {
                            problems.Add($"{where}: package {package} has no range in docs/logging.md");
                        }
                        else if (id < range.From || id > range.To)
                        {
                            problems.Add($"{where}: outside {package}'s range {range.From}–{range.To}");
                        }

                        if (!seen.TryAdd(id, where))
                        {
                            problems.Add($"{where}: also used by {seen[id]}");
                        }
                    }
                }
            }
        }

        Assert.True(count > 40, $"found only {count} [LoggerMessage] ids; the scan is looking in the wrong place");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [GeneratedRegex(@"^\| (?<package>Eventing[\w.]*) \| (?<from>\d+)–(?<to>\d+) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\[LoggerMessage\((?:EventId\s*=\s*)?(?<id>\d+)")]
    private static partial Regex LoggerMessage();
}
