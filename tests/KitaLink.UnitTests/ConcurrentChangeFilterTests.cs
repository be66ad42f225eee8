using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.UnitTests;

/// <summary>Creating, resending and revoking PINs and changing a guardian answer a concurrent change of the pair with <c>conflict</c>.</summary>
public sealed class ConcurrentChangeFilterTests
{
    private static readonly EndpointFilterInvocationContext s_context = new DefaultEndpointFilterInvocationContext(new DefaultHttpContext());

    [Fact]
    public async Task ConcurrentChange_IsAnsweredWithConflict()
    {
        var result = await new ConcurrentChangeFilter().InvokeAsync(s_context, _ => throw new DbUpdateConcurrencyException("row version changed"));

        var problem = Assert.IsType<ApiProblem>(result);
        Assert.Equal(ErrorCodes.Conflict, problem.Code);
        Assert.Equal(StatusCodes.Status409Conflict, problem.StatusCode);
    }

    [Fact]
    public async Task OtherOutcomes_PassThrough()
    {
        var answer = Results.NoContent();
        Assert.Same(answer, await new ConcurrentChangeFilter().InvokeAsync(s_context, _ => ValueTask.FromResult<object?>(answer)));
        await Assert.ThrowsAsync<DbUpdateException>(async () =>
            await new ConcurrentChangeFilter().InvokeAsync(s_context, _ => throw new DbUpdateException("another failure")));
    }
}
