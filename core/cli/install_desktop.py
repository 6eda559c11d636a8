"""`moee install-desktop`: put the app in a Linux desktop's application menu, with its icon, and
make saved projects (*.moee.json) open in it on a double-click (core/desktop.py).

    moee install-desktop              write the launcher, icon and file type for this user
    moee install-desktop --print      show what it would write and run; writes nothing
    moee install-desktop --uninstall  remove them again
"""
from __future__ import annotations

import shlex

NAME = "install-desktop"
HELP = "add the app to the desktop's application menu, with its icon and project file type"
DESCRIPTION = """Add MoEE Palette to this user's application menu (Linux and BSD desktops, by the
freedesktop.org standards), with its icon, and make saved projects (*.moee.json) open in the
app on a double-click. Files go under $XDG_DATA_HOME (default ~/.local/share):

  applications/moee-palette.desktop            the launcher, starting this installation
  icons/hicolor/scalable/apps/moee-palette.svg the icon (and 256x256/apps/moee-palette.png)
  mime/packages/moee-palette.xml               application/x-moee-project, a kind of JSON

then update-desktop-database, update-mime-database and gtk-update-icon-cache refresh their
indexes where they are installed (each one skipped is named, with what that means). Run it
again after moving or reinstalling the app: the launcher names the command it starts."""


def add_arguments(parser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--uninstall", action="store_true",
                      help="remove what install-desktop wrote, and the folders it leaves empty")
    what.add_argument("--print", action="store_true", dest="show",
                      help="print each file it would write, with its contents, and the commands "
                           "it would run; write nothing")


def run(args) -> int:
    from core import desktop
    from core.cli import note

    desktop.check_platform()
    home, ignored = desktop.data_home()
    if ignored:
        note(ignored)
    if args.show:
        for item in desktop.plan(home):
            print(f"# {item.path}: {item.what}")
            if item.source is not None:
                print(f"(a copy of {item.source}, {len(item.data)} bytes)\n")
            else:
                print(item.data.decode("utf-8"))
        for tool in desktop.tools(home):
            cond = f" (if {tool.only_if} is there)" if tool.only_if else ""
            print(f"# then, if installed: {shlex.join([tool.name, *tool.args, str(tool.folder)])}"
                  f"{cond}")
        return 0
    if args.uninstall:
        lines = desktop.uninstall(home)
    else:
        lines = desktop.install(home)
    for line in lines:
        print(line)
    if not args.uninstall:
        print(f"{desktop.APP_NAME} is in the application menu; its launcher runs "
              f"{shlex.join(desktop.launch_command())}")
    return 0
