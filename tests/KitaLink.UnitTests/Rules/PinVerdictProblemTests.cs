using KitaLink.Api.Pins;

namespace KitaLink.UnitTests.Rules;

public sealed class PinVerdictProblemTests
{
    [Fact]
    public void Proceed_IsNoFailure_AndHasNoProblem() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PinCheck.ToProblem(PinVerdict.Proceed, "eltern@gmail.com"));
}
