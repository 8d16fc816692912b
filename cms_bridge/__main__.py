from cms_bridge.cli import main

raise SystemExit(main())
