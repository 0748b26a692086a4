namespace Bifrost.Tui.Tests;
