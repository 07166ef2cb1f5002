using System.Text.RegularExpressions;

namespace Eventing.Tests;

/// <summary>
/// Namespaces follow one rule in every package (docs/architecture.md): types users write code against are in the
/// package's root namespace (or that of the package it serves), extension methods in the namespace of the type they extend, and the rest — internal
/// types and the extension points for provider and store authors — in the namespace of their folder.
/// </summary>
public sealed partial class NamespaceRuleTests
{
    [Fact]
    public void Every_type_is_in_the_namespace_its_package_and_folder_say()
    {
        var root = ShippedCodeTests.RepositoryRoot();
        var problems = new List<string>();
        var count = 0;
        foreach (var folder in new[] { "src", "providers" })
        {
            foreach (var project in Directory.EnumerateDirectories(Path.Combine(root, folder)))
            {
                var package = Path.GetFileName(project);
                if (!File.Exists(Path.Combine(project, package + ".csproj")))
                {
                    continue; // shared source compiled into other packages
                }

                foreach (var file in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
                {
                    if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var text = File.ReadAllText(file);
                    var declared = Namespace().Match(text);
                    var type = FirstType().Match(text);
                    if (!declared.Success || !type.Success)
                    {
                        continue;
                    }

                    count++;
                    var relative = Path.GetRelativePath(project, Path.GetDirectoryName(file)!);
                    var byFolder = relative == "." ? package : package + "." + relative.Replace('/', '.');
                    var ns = declared.Groups["name"].Value;
                    var isPublic = type.Groups["visibility"].Value == "public";
                    var isExtensions = type.Groups["name"].Value.EndsWith("Extensions", StringComparison.Ordinal);
                    // A package that serves another (Eventing.Stomp.Client under Eventing.Stomp) may keep its public
                    // types in that package's namespace, as Microsoft.Extensions.*.Abstractions do.
                    var parent = package.StartsWith(ns + ".", StringComparison.Ordinal);
                    var allowed = isPublic ? isExtensions || ns == package || parent || ns == byFolder : ns == byFolder;
                    if (!allowed)
                    {
                        problems.Add($"{Path.GetRelativePath(root, file)}: {type.Groups["visibility"].Value} {type.Groups["name"].Value} is in {ns}; expected {(isPublic ? package + " or " : string.Empty)}{byFolder}");
                    }
                }
            }
        }

        Assert.True(count > 200, $"checked only {count} files; the scan is looking in the wrong place");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [GeneratedRegex(@"^namespace (?<name>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^(?<visibility>public|internal)\s+(?:(?:static|sealed|abstract|partial|readonly|ref)\s+)*(?:class|interface|struct|record(?:\s+struct)?|enum)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex FirstType();
}
