using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

public class LiteralPrecheckTests
{
    static readonly string[] Words = ["avx", "glibc_"];

    [Theory]
    [InlineData("Illegal: this binary REQUIRES Avx2 instructions", true)]
    [InlineData("version `GLIBC_2.34' not found", true)]
    [InlineData("INFO request 17 handled in 12ms path=/api/orders status=200\nINFO shutting down", false)]
    [InlineData("", false)]
    public void ALiteralInAnyCaseMayMatchAndNoLiteralCannot(string text, bool mayMatch) =>
        Assert.Equal(mayMatch, LiteralPrecheck.MayMatch(text, Words));

    [Fact]
    public void TextWithNonAsciiCharactersIsAlwaysSearched()
    {
        // Regex's IgnoreCase folds some non-ASCII letters into ASCII ones; the precheck does not try to.
        Assert.True(LiteralPrecheck.MayMatch("Ошибка: нет памяти", Words));
        Assert.True(LiteralPrecheck.MayMatch("temperature 300\u212A", ["k"]));
    }

    [Fact]
    public void TwoLiteralSetsAreCheckedEachOnItsOwn()
    {
        Assert.Equal((true, false), LiteralPrecheck.MayMatch("requires AVX2", ["avx"], ["glibc_"]));
        Assert.Equal((false, true), LiteralPrecheck.MayMatch("version `GLIBC_2.34' not found", ["avx"], ["glibc_"]));
        Assert.Equal((false, false), LiteralPrecheck.MayMatch("INFO ready", ["avx"], ["glibc_"]));
        Assert.Equal((true, true), LiteralPrecheck.MayMatch("Ошибка", ["avx"], ["glibc_"]));
    }
}
