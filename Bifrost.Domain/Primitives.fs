namespace Bifrost.Domain
