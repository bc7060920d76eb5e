import type { ComponentChildren, JSX } from 'preact';
import { navigate } from '../navigation.js';

type Props = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & { href: string; children?: ComponentChildren };

/** A real link (opens in a new tab with a modifier key) that otherwise changes the page without a reload. */
export function Link({ href, children, ...rest }: Props) {
  const onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
