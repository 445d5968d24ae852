using System.Text.RegularExpressions;
using Webhook.Tests.Support;

namespace Webhook.Tests.Docs;

/// <summary>The README and docs/ say what the code does, and point only at files of this repository.</summary>
public sealed partial class DocsTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.GetFiles(Repo.PathOf("docs"), "*.md", SearchOption.AllDirectories).Order())
            data.Add(Path.GetRelativePath(Repo.Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryLinkPointsAtAFileOfTheRepository(string document)
    {
        var folder = Path.GetDirectoryName(Repo.PathOf(document))!;
        var text = File.ReadAllText(Repo.PathOf(document));

        foreach (Match link in MarkdownLink().Matches(text))
        {
            var target = link.Groups[1].Value.Split('#')[0];
            if (target.Length == 0) continue; // an anchor in the same document
            Assert.False(target.Contains("://", StringComparison.Ordinal), $"{document} links outside the repository: {target}");
            var path = Path.GetFullPath(Path.Combine(folder, target));
            Assert.True(path.StartsWith(Repo.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"{document} links outside the repository: {target}");
            Assert.True(File.Exists(path) || Directory.Exists(path), $"{document} links to a missing file: {target}");
        }
        Assert.DoesNotContain("../shared/", text);
    }

    [Fact]
    public void TheReadmePromisesAtLeastOnceNotExactlyOnce()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));

        Assert.DoesNotContain("exactly once", readme, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("at least once", readme, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("`fingerprint`, `startsAt` and `status`", readme);
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
