using KitaLink.Api.Pins;

namespace KitaLink.UnitTests.Rules;

public sealed class PinVerdictProblemTests
{
    [Fact]
    public void Proceed_IsNoFailure_AndHasNoProblem()
    {
        var refusal = Assert.Throws<ArgumentOutOfRangeException>(() => PinCheck.ToProblem(PinVerdict.Proceed, "eltern@gmail.com"));
        Assert.Equal("verdict", refusal.ParamName);
        Assert.StartsWith("Proceed is not a failure.", refusal.Message, StringComparison.Ordinal);
    }
}
