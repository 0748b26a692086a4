namespace Bifrost.Ib.Messages.Model;

/// <summary>A tag=value pair (algo parameters, smart-combo routing parameters, secIdList).</summary>
public sealed record IbTagValue(string Tag, string Value);
