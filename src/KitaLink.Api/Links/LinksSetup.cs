namespace KitaLink.Api.Links;

public static class LinksSetup
{
    /// <summary>What a parent sees of the links: the children list reader.</summary>
    public static WebApplicationBuilder AddKitaLinkLinks(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LinkedChildrenReader>();
        return builder;
    }
}
