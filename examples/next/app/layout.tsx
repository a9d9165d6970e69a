import type { ReactNode } from 'react';

export const metadata = { title: 'keycard × Next.js', description: 'A Toado-style tickets API behind keycard tokens' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto', padding: '0 1rem' }}>
        {children}
      </body>
    </html>
  );
}
